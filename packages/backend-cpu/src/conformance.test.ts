// The CPU backend against tensor-core's conformance suite (f64 reference + finite differences).
import { runBackendConformance } from '@tensorlm/tensor-core/testing';
import { describe, it } from 'vitest';
import './index.js';

runBackendConformance({ backend: 'cpu', describe, it });
