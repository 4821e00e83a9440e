// The page's side of the training worker: one Worker, its messages fanned out to whichever
// views listen, and commands sent with their types checked.
import type { PageMessage, WorkerMessage } from './protocol.js';

type Listener = (message: WorkerMessage) => void;

export class TrainingClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      for (const listener of this.listeners) listener(event.data);
    };
    this.worker.onerror = (event) => {
      const message = `the training worker failed: ${event.message || 'it did not start'}`;
      for (const listener of this.listeners) listener({ type: 'error', message });
    };
  }

  send(message: PageMessage): void {
    this.worker.postMessage(message);
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
