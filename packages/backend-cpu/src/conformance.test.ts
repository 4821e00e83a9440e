// The CPU backend against tensor-core's conformance suite (f64 reference + finite
// differences), as it is and with its fused kernels hidden: the second run tests
// tensor-core's composed defaults on the CPU primitives, and compares them with the
// CPU's fused kernels case by case.
import { runBackendConformance } from '@tensorlm/tensor-core/testing';
import { describe, it } from 'vitest';
import './index.js';

runBackendConformance({ backend: 'cpu', describe, it });
runBackendConformance({ backend: 'cpu', fusedKernels: 'composed', reference: 'cpu', describe, it });
