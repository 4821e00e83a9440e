// Runs the tiny-model forward parity suite on every backend: the f64 reference on each,
// and for webgpu also the cpu run within 1e-4 (the nn issue's backend check).
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { modelParitySuite } from '../../test/model-parity.js';

for (const backend of ['cpu', 'webgpu']) modelParitySuite(backend);
