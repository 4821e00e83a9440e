// The page the browser smoke test loads (bundled by ../smoke.test.ts with the
// `browser` condition): it loads Hugging Face fixture folders through the browser entry of
// @tensorlm/hub-loader — as dropped files (`File[]`) and as a Hub repo over fetch + Cache
// Storage — runs them on a backend ('cpu' or 'webgpu' on navigator.gpu) and hands the
// logits (and a greedy continuation by @tensorlm/decoding) back to the test, which compares
// them with the fixture's expected.json.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { generate } from '@tensorlm/decoding';
import { fromPretrained } from '@tensorlm/hub-loader';
import type { GPT2LMHeadModel } from '@tensorlm/nn';
import { getBackend, setBackend, tensor, tidy } from '@tensorlm/tensor-core';
import type { SmokeRequest, SmokeResult } from './protocol.js';

async function pageFiles(request: NonNullable<SmokeRequest['files']>): Promise<File[] | Map<string, Blob>> {
  const files = await Promise.all(
    request.names.map(async (name) => {
      const response = await fetch(`/fixtures/${request.fixture}/${name}`);
      if (!response.ok) throw new Error(`/fixtures/${request.fixture}/${name}: HTTP ${response.status}`);
      // A dropped folder's files carry their path under the folder's name.
      const file = new File([await response.blob()], name);
      Object.defineProperty(file, 'webkitRelativePath', { value: `${request.fixture}/${name}` });
      return file;
    }),
  );
  for (const [name, text] of Object.entries(request.extra ?? {})) files.push(new File([text], name));
  return request.as === 'files' ? files : new Map(files.map((file) => [file.name, file as Blob]));
}

async function run(request: SmokeRequest): Promise<SmokeResult> {
  await setBackend(request.backend);
  const backend = getBackend();
  const source = request.files ? await pageFiles(request.files) : request.hub!.repo;
  const { model, tokenizer, report } = await fromPretrained<GPT2LMHeadModel>(
    source,
    request.hub ? { endpoint: request.hub.endpoint, cacheName: request.hub.cacheName } : {},
  );
  const input = tensor(request.inputIds, { dtype: 'i32' });
  const logits = tidy(() => model.forward(input).logits);
  const values = await logits.data();
  const result: SmokeResult = {
    backend: backend.name,
    adapter: backend.describe().device ?? null,
    source: report.source,
    weights: report.weights,
    shape: [...logits.shape],
    logits: Array.from(values),
    encoded: tokenizer ? tokenizer.encode('hello world') : null,
    greedy: request.greedyTokens
      ? (await generate(model, [request.inputIds[0]!], { maxNewTokens: request.greedyTokens })).newTokens[0]!
      : null,
  };
  logits.dispose();
  input.dispose();
  model.dispose();
  return result;
}

(globalThis as { runSmoke?: typeof run }).runSmoke = run;
