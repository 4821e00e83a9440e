// @tensorlm/backend-cpu: importing this package registers the 'cpu' backend.
import { registerBackend } from '@tensorlm/tensor-core';
import { CpuBackend, createCpuBackend } from './cpu-backend.js';

export { CpuBackend, createCpuBackend };

/** The shared instance registered under the name 'cpu'. */
export const cpuBackend: CpuBackend = createCpuBackend();
registerBackend(cpuBackend, { priority: 1 });
