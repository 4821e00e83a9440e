// Runs the tiny-model forward parity suite on every backend available to the tests.
// WebGPU joins this list when its backend package exists.
import '@tensorlm/backend-cpu';
import { modelParitySuite } from '../../test/model-parity.js';

for (const backend of ['cpu']) modelParitySuite(backend);
