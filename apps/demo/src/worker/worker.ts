// The training worker: owns the backend and the Session, so training never blocks the
// page. Commands arrive as PageMessages; the loop trains while running, reporting every
// step, a held-out loss twice per `every` steps, and samples plus embeddings every
// `every` steps. Generation holds the session between its tokens, so
// weights never change under a sequence being written.
import type { TrainSettings } from '../state/settings.js';
import { chooseBackend } from './backend.js';
import type { PageMessage, WorkerMessage } from './protocol.js';
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

const post = (message: WorkerMessage) => scope.postMessage(message);

let session: Session | null = null;
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
  post({ type: 'ready', ...chosen, parameters: s.parameters });
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
      exclusive(async () => {
        if (!session) throw new Error('the model is not ready yet');
        const stream = session.generate(request);
        let next = await stream.next();
        while (!next.done) {
          post({ type: 'token', id, ...next.value, at: performance.now() });
          next = await stream.next();
        }
        post({ type: 'generated', id, finish: next.value });
      }).catch((error: unknown) =>
        post({
          type: 'generated',
          id,
          finish: 'error',
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      break;
    }
  }
};
