// What the views share: the training worker, the URL-backed settings, and the news that a
// model was loaded (so Generate, Attention and Fill-mask switch to it where it fits).
import type { Settings } from '../state/settings.js';
import type { TrainingClient } from '../worker/client.js';
import type { LoadedInfo } from '../worker/protocol.js';

export interface ViewContext {
  client: TrainingClient;
  readonly settings: Settings;
  store(next: Settings): void;
}

const MODEL_LOADED = 'tensorlm:model-loaded';

export function announceModelLoaded(info: LoadedInfo): void {
  window.dispatchEvent(new CustomEvent<LoadedInfo>(MODEL_LOADED, { detail: info }));
}

export function onModelLoaded(listener: (info: LoadedInfo) => void): void {
  window.addEventListener(MODEL_LOADED, (event) => listener((event as CustomEvent<LoadedInfo>).detail));
}
