// The WebGPU backend against tensor-core's conformance suite: the f64 reference and
// finite differences, plus agreement with the CPU backend on every case — once as it
// is, and once with its fused kernels hidden, so tensor-core's composed defaults are
// tested on the WebGPU primitives (and against the CPU's fused kernels).
import '@tensorlm/backend-cpu';
import { runBackendConformance } from '@tensorlm/tensor-core/testing';
import { describe, it } from 'vitest';
import './index.js';

runBackendConformance({ backend: 'webgpu', reference: 'cpu', describe, it });
runBackendConformance({ backend: 'webgpu', fusedKernels: 'composed', reference: 'cpu', describe, it });
