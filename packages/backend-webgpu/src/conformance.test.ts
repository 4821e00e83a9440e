// The WebGPU backend against tensor-core's conformance suite: the f64 reference and
// finite differences, plus agreement with the CPU backend on every case.
import '@tensorlm/backend-cpu';
import { runBackendConformance } from '@tensorlm/tensor-core/testing';
import { describe, it } from 'vitest';
import './index.js';

runBackendConformance({ backend: 'webgpu', reference: 'cpu', describe, it });
