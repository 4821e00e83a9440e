// The training worker: owns the backend and the models, so training never blocks the
// page. Commands arrive as PageMessages; the loop trains while running, reporting every
// step, a held-out loss twice per `every` steps, and samples plus embeddings every
// `every` steps. The masked LM trains in the same way on request; other requests
// (attention, fill-mask, loading, saving: ./requests.ts) are answered in turn. Everything
// that touches a model goes through one queue, so weights never change under a sequence
// being written or a map being drawn.
import { getBackend, TensorlmError } from '@tensorlm/tensor-core';
import type { MlmSettings, TrainSettings } from '../state/settings.js';
import { chooseBackend } from './backend.js';
import { MlmSession } from './mlm-session.js';
import { generateLoaded } from './models.js';
import type { GenerateRequest, PageMessage, WorkerMessage } from './protocol.js';
import { answer, type WorkerModels } from './requests.js';
import { Session } from './session.js';

/** The worker's global scope, as far as this file uses it (the DOM lib types `self` as a window). */
const scope = globalThis as unknown as {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<PageMessage>) => void) | null;
};

/** Held-out loss this many times per `every` steps. */
const EVALS_PER_SAMPLE = 2;
/** Steps in the tokens/s window. */
const WINDOW = 10;

const post = (message: WorkerMessage, transfer: Transferable[] = []) =>
  (scope.postMessage as (m: WorkerMessage, t: Transferable[]) => void)(message, transfer);

let session: Session | null = null;
const models: WorkerModels = {
  get session() {
    return session;
  },
  mlm: null,
  loaded: null,
};
let mlmRunning = false;
let running = false;
/** Serialises the session's users: the training loop, single steps, generation, resets. */
let queue: Promise<unknown> = Promise.resolve();
const window: { tokens: number; ms: number }[] = [];
let totalTokens = 0;
let totalMs = 0;

function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job, job);
  queue = next.catch(() => undefined);
  return next;
}

function fail(error: unknown): void {
  running = false;
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  if (session) post({ type: 'state', running, step: session.step, steps: session.settings.steps });
}

async function report(s: Session): Promise<void> {
  const every = s.settings.every;
  const evalEvery = Math.max(1, Math.floor(every / EVALS_PER_SAMPLE));
  if (s.step % evalEvery === 0 || s.step === s.settings.steps)
    post({ type: 'eval', step: s.step, loss: await s.validationLoss(), tokensSeen: s.tokensSeen });
  if (s.step % every === 0 || s.step === s.settings.steps) {
    const { sentences, accepted } = await s.samples();
    post({ type: 'samples', step: s.step, sentences, accepted, total: sentences.length });
    post({ type: 'embeddings', step: s.step, ...(await s.embeddings()) });
  }
}

async function oneStep(s: Session): Promise<void> {
  const r = await s.trainStep();
  window.push({ tokens: r.tokens, ms: r.ms });
  if (window.length > WINDOW) window.shift();
  totalTokens += r.tokens;
  totalMs += r.ms;
  const sum = window.reduce((a, w) => ({ tokens: a.tokens + w.tokens, ms: a.ms + w.ms }), {
    tokens: 0,
    ms: 0,
  });
  post({
    type: 'step',
    step: r.step,
    loss: r.loss,
    tokensSeen: s.tokensSeen,
    tokensPerSecond: (1000 * sum.tokens) / sum.ms,
    meanTokensPerSecond: (1000 * totalTokens) / totalMs,
  });
  await report(s);
}

/** A macrotask turn, so pause and generate messages get in between steps. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function loop(): Promise<void> {
  while (running) {
    await exclusive(async () => {
      const s = session;
      if (!running || !s) return;
      if (s.step >= s.settings.steps) {
        running = false;
        return;
      }
      await oneStep(s);
    });
    if (session) post({ type: 'state', running, step: session.step, steps: session.settings.steps });
    await turn();
  }
}

async function reset(settings: TrainSettings): Promise<void> {
  running = false;
  session?.dispose();
  session = null;
  window.length = 0;
  totalTokens = 0;
  totalMs = 0;
  const chosen = await chooseBackend(settings.backend);
  const s = await Session.create(settings);
  session = s;
  post({
    type: 'ready',
    ...chosen,
    parameters: s.parameters,
    maxStorageBytes: getBackend().capabilities.maxStorageBytes ?? null,
  });
  post({ type: 'embeddings', step: 0, ...(await s.embeddings()) });
  post({ type: 'eval', step: 0, loss: await s.validationLoss(), tokensSeen: 0 });
  post({ type: 'state', running, step: 0, steps: settings.steps });
}

scope.onmessage = (event: MessageEvent<PageMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'reset':
      exclusive(() => reset(message.settings)).catch(fail);
      break;
    case 'run':
      if (!running && session) {
        running = true;
        post({ type: 'state', running, step: session.step, steps: session.settings.steps });
        loop().catch(fail);
      }
      break;
    case 'pause':
      running = false;
      break;
    case 'step':
      exclusive(async () => {
        if (!session || running || session.step >= session.settings.steps) return;
        await oneStep(session);
        post({ type: 'state', running, step: session.step, steps: session.settings.steps });
      }).catch(fail);
      break;
    case 'generate': {
      const { id, request } = message;
      exclusive(() => generate(id, request)).catch((error: unknown) =>
        post({
          type: 'generated',
          id,
          finish: 'error',
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      break;
    }
    case 'mlm-run':
      if (!mlmRunning) {
        mlmRunning = true;
        mlmLoop(message.settings).catch((error: unknown) => {
          mlmRunning = false;
          post({ type: 'mlm-error', message: messageOf(error) });
        });
      }
      break;
    case 'mlm-pause':
      mlmRunning = false;
      break;
    case 'request': {
      const { id, request } = message;
      exclusive(() => answer(request, models, (text) => post({ type: 'load-progress', text }))).then(
        ({ value, transfer }) => post({ type: 'reply', id, ok: true, value }, transfer ?? []),
        (error: unknown) =>
          post({
            type: 'reply',
            id,
            ok: false,
            error: messageOf(error),
            code: error instanceof TensorlmError ? error.code : null,
          }),
      );
      break;
    }
  }
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function generate(id: number, request: GenerateRequest): Promise<void> {
  if (request.model === 'loaded') {
    if (!models.loaded) throw new Error('no model is loaded: drop a model folder in the Models view');
    const stream = generateLoaded(models.loaded, request);
    let next = await stream.next();
    while (!next.done) {
      post({ type: 'token', id, ...next.value, at: performance.now() });
      next = await stream.next();
    }
    post({ type: 'generated', id, finish: next.value.finish, text: next.value.text });
    return;
  }
  if (!session) throw new Error('the model is not ready yet');
  const stream = session.generate(request);
  let next = await stream.next();
  while (!next.done) {
    post({ type: 'token', id, ...next.value, at: performance.now() });
    next = await stream.next();
  }
  post({ type: 'generated', id, finish: next.value });
}

const sameMlm = (a: MlmSettings, b: MlmSettings) =>
  a.steps === b.steps && a.batch === b.batch && a.lr === b.lr && a.seed === b.seed;

/** Trains the masked LM (a fresh one unless these settings continue the current run) until paused or done. */
async function mlmLoop(settings: MlmSettings): Promise<void> {
  await exclusive(async () => {
    const current = models.mlm;
    if (!current || !sameMlm(current.settings, settings) || current.step >= current.settings.steps) {
      current?.dispose();
      models.mlm = new MlmSession(settings);
    }
  });
  const recent: { tokens: number; ms: number }[] = [];
  while (mlmRunning) {
    const done = await exclusive(async () => {
      const mlm = models.mlm;
      if (!mlm || mlm.step >= mlm.settings.steps) return true;
      const t0 = performance.now();
      const r = await mlm.trainStep();
      recent.push({ tokens: r.tokens, ms: performance.now() - t0 });
      if (recent.length > WINDOW) recent.shift();
      const tokens = recent.reduce((n, x) => n + x.tokens, 0);
      const ms = recent.reduce((n, x) => n + x.ms, 0);
      const finished = r.step >= mlm.settings.steps;
      post({
        type: 'mlm-step',
        step: r.step,
        steps: mlm.settings.steps,
        loss: r.loss,
        tokensPerSecond: (1000 * tokens) / ms,
        running: !finished,
      });
      return finished;
    });
    if (done) break;
    await turn();
  }
  mlmRunning = false;
  const mlm = models.mlm;
  if (mlm)
    post({
      type: 'mlm-step',
      step: mlm.step,
      steps: mlm.settings.steps,
      loss: Number.NaN,
      tokensPerSecond: 0,
      running: false,
    });
}
