// The demo's shell: tabs for the views, the settings kept in the URL (so a setup can be
// shared), the backend line, and one worker holding every model, shared by the views.
// The Tokenizer view runs on the page itself; the conformance suite in its own worker.
import './style.css';
import 'uplot/dist/uPlot.min.css';
import { type Settings, settingsFromSearch, settingsToSearch, VIEWS, type View } from './state/settings.js';
import { el } from './ui/dom.js';
import { attentionView } from './views/attention.js';
import { backendView } from './views/backend.js';
import { embeddingsView } from './views/embeddings.js';
import { fillMaskView } from './views/fill-mask.js';
import { generateView } from './views/generate.js';
import { modelsView } from './views/models.js';
import { tokenizerView } from './views/tokenizer.js';
import { trainView } from './views/train.js';
import { TrainingClient } from './worker/client.js';

const TITLES: Record<View, string> = {
  train: 'Train',
  embeddings: 'Embeddings',
  generate: 'Generate',
  tokenizer: 'Tokenizer',
  attention: 'Attention',
  'fill-mask': 'Fill-mask',
  models: 'Models',
  backend: 'Backend',
};

const parsed = settingsFromSearch(location.search);
let settings: Settings = parsed.settings;
const notes = document.getElementById('notes')!;
if (parsed.problems.length > 0) notes.textContent = parsed.problems.join('; ');

/** Writes the settings into the URL (replacing the entry, so Back leaves the demo). */
function store(next: Settings): void {
  settings = next;
  history.replaceState(null, '', `${location.pathname}${settingsToSearch(settings)}`);
}

const client = new TrainingClient();
const backendLine = document.getElementById('backend')!;
client.listen((message) => {
  if (message.type === 'ready') {
    backendLine.dataset.backend = message.backend;
    backendLine.textContent =
      message.backend === 'webgpu'
        ? `backend: WebGPU (${message.adapter ?? 'adapter'})`
        : `backend: ${message.backend === 'wasm' ? 'WebAssembly' : 'CPU'} — ${message.fallback ?? 'chosen'}`;
    backendLine.className = message.backend === 'webgpu' ? 'ok' : 'warn';
  }
});

const context = {
  client,
  get settings() {
    return settings;
  },
  store,
};

const views: Record<View, HTMLElement> = {
  train: trainView(context),
  embeddings: embeddingsView(context),
  generate: generateView(context),
  tokenizer: tokenizerView(),
  attention: attentionView(context),
  'fill-mask': fillMaskView(context),
  models: modelsView(context),
  backend: backendView(context),
};

const tabs = document.getElementById('tabs')!;
const container = document.getElementById('views')!;
for (const view of VIEWS) {
  views[view].hidden = true;
  views[view].dataset.view = view;
  container.append(views[view]);
  const tab = el('button', { type: 'button', 'data-tab': view, text: TITLES[view] });
  tab.addEventListener('click', () => show(view));
  tabs.append(tab);
}

function show(view: View): void {
  for (const v of VIEWS) {
    views[v].hidden = v !== view;
    tabs.querySelector(`[data-tab="${v}"]`)?.setAttribute('aria-selected', String(v === view));
  }
  store({ ...settings, view });
  // Charts measure their box when shown.
  window.dispatchEvent(new Event('resize'));
}

show(settings.view);
client.send({ type: 'reset', settings });
