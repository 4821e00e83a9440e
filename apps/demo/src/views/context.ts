// What the views share: the training worker and the URL-backed settings.
import type { Settings } from '../state/settings.js';
import type { TrainingClient } from '../worker/client.js';

export interface ViewContext {
  client: TrainingClient;
  readonly settings: Settings;
  store(next: Settings): void;
}
