// The page's side of the training worker: one Worker, its messages fanned out to whichever
// views listen, commands sent with their types checked, and requests (attention maps,
// fill-mask, loading, saving) answered as promises.
import type { PageMessage, Replies, Request, WorkerMessage } from './protocol.js';

type Listener = (message: WorkerMessage) => void;

/** A request the worker refused: its message as the page shows it, and the error's code. */
export class WorkerRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'WorkerRequestError';
  }
}

export class TrainingClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.type === 'reply') {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiting?.resolve(message.value);
        else waiting?.reject(new WorkerRequestError(message.error, message.code));
        return;
      }
      for (const listener of this.listeners) listener(message);
    };
    this.worker.onerror = (event) => {
      const message = `the training worker failed: ${event.message || 'it did not start'}`;
      for (const listener of this.listeners) listener({ type: 'error', message });
      for (const waiting of this.pending.values()) waiting.reject(new WorkerRequestError(message, null));
      this.pending.clear();
    };
  }

  send(message: PageMessage, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** Sends a request; resolves with the worker's answer, rejects with its error message. */
  call<R extends Request>(request: R): Promise<Replies[R['type']]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ type: 'request', id, request });
    });
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
