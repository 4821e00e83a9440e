// Type-checks every package's browser entry as a web app sees it (page/tsconfig.json: the
// `browser` condition, no Node types); not bundled or run.
import * as backendCpu from '@tensorlm/backend-cpu';
import * as backendWasm from '@tensorlm/backend-wasm';
import * as backendWebgpu from '@tensorlm/backend-webgpu';
import * as datasets from '@tensorlm/datasets';
import * as decoding from '@tensorlm/decoding';
import * as hubLoader from '@tensorlm/hub-loader';
import * as nn from '@tensorlm/nn';
import * as tensorCore from '@tensorlm/tensor-core';
import * as tokenizers from '@tensorlm/tokenizers';
import * as trainer from '@tensorlm/trainer';

export const BROWSER_ENTRIES = {
  backendCpu,
  backendWasm,
  backendWebgpu,
  datasets,
  decoding,
  hubLoader,
  nn,
  tensorCore,
  tokenizers,
  trainer,
};
