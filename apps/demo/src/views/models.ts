// The Models view: load a model — drop a folder or files (a tensorlm run folder the CLI
// saved, or a Hugging Face folder), pick them, give a Hub repo id when online, or take a
// checkpoint stored in this browser — and save the models trained here: into the
// browser's storage (IndexedDB) and as a zipped Hugging Face folder to download. The
// loaded model is what "the loaded model" means in Generate, Attention and Fill-mask.

import { pickedFromDrop, pickedFromList } from '../models/pick.js';
import type { CheckpointSummary } from '../models/storage.js';
import { el, formatCount } from '../ui/dom.js';
import type { LoadedInfo, LoadSource } from '../worker/protocol.js';
import { announceModelLoaded, type ViewContext } from './context.js';

export function modelsView(ctx: ViewContext): HTMLElement {
  const status = el('p', { 'data-testid': 'load-status', role: 'status' });
  const info = el('div', { class: 'loaded', 'data-testid': 'loaded-info' });
  const stored = el('ul', { class: 'stored', 'data-testid': 'stored' });

  const showInfo = (loaded: LoadedInfo) => {
    info.dataset.architecture = loaded.architecture;
    info.replaceChildren(
      el('h3', { text: `loaded: ${loaded.label}` }),
      el(
        'p',
        {},
        `${loaded.architecture}, ${formatCount(loaded.parameters)} parameters, from a ${loaded.source}; `,
        `tokenizer: ${loaded.tokenizer} (${formatCount(loaded.vocabSize)} tokens). `,
        'Use it in Generate, Attention or Fill-mask ("the loaded model").',
      ),
      el('pre', { class: 'report', text: loaded.report }),
    );
  };

  const load = async (source: LoadSource, what: string) => {
    status.className = '';
    status.textContent = `loading ${what}…`;
    delete status.dataset.loaded;
    try {
      const loaded = await ctx.client.call({ type: 'load', source });
      showInfo(loaded);
      status.textContent = `loaded ${loaded.label}`;
      announceModelLoaded(loaded);
      status.dataset.loaded = 'true';
    } catch (error) {
      status.className = 'error';
      status.textContent = (error as Error).message;
      status.dataset.loaded = 'false';
    }
  };
  ctx.client.listen((m) => {
    if (m.type === 'load-progress') status.textContent = m.text;
  });

  const folderInput = el('input', {
    type: 'file',
    webkitdirectory: true,
    multiple: true,
    'data-testid': 'folder-input',
  });
  const filesInput = el('input', { type: 'file', multiple: true, 'data-testid': 'files-input' });
  for (const input of [folderInput, filesInput])
    input.addEventListener('change', () => {
      if (input.files && input.files.length > 0)
        void load({ kind: 'files', files: pickedFromList(input.files) }, `${input.files.length} files`);
      input.value = '';
    });
  const drop = el(
    'div',
    { class: 'drop', 'data-testid': 'drop-zone', tabindex: 0 },
    'Drop a model folder here (a tensorlm run folder, or a Hugging Face folder with config.json), or its files.',
  );
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (!event.dataTransfer) return;
    try {
      const files = await pickedFromDrop(event.dataTransfer);
      await load({ kind: 'files', files }, `${files.length} dropped files`);
    } catch (error) {
      status.className = 'error';
      status.textContent = `could not read the dropped files: ${(error as Error).message}`;
    }
  });

  const repo = el('input', {
    type: 'text',
    name: 'repo',
    placeholder: 'openai-community/gpt2',
    size: 32,
    'data-testid': 'repo',
  });
  const hubButton = el('button', { type: 'button', text: 'Load from the Hub', 'data-testid': 'load-hub' });
  const online = () => {
    hubButton.disabled = !navigator.onLine;
    hubButton.title = navigator.onLine
      ? ''
      : 'the browser is offline (a repo already in the cache still loads when online again)';
  };
  online();
  window.addEventListener('online', online);
  window.addEventListener('offline', online);
  hubButton.addEventListener('click', () => {
    const id = repo.value.trim();
    if (!id) {
      status.className = 'error';
      status.textContent = 'give a Hub repo id, e.g. openai-community/gpt2';
      return;
    }
    void load({ kind: 'hub', repo: id }, id);
  });

  // Saving the models trained here.
  const saveWhich = el(
    'select',
    { name: 'save-model', 'data-testid': 'save-model' },
    el('option', { value: 'trained', text: 'the grammar GPT trained here' }),
    el('option', { value: 'mlm', text: 'the masked LM trained here' }),
  );
  const saveName = el('input', {
    type: 'text',
    name: 'save-name',
    value: 'grammar-gpt',
    size: 20,
    'data-testid': 'save-name',
  });
  const saveButton = el('button', { type: 'button', text: 'Save in this browser', 'data-testid': 'save' });
  const downloadButton = el('button', {
    type: 'button',
    text: 'Download as a zip',
    'data-testid': 'download',
  });
  const saveStatus = el('p', { 'data-testid': 'save-status', role: 'status' });
  const fail = (error: unknown) => {
    saveStatus.className = 'error';
    saveStatus.textContent = (error as Error).message;
  };

  const listStored = (list: CheckpointSummary[]) => {
    stored.replaceChildren(
      ...list.map((c) => {
        const loadButton = el('button', { type: 'button', text: 'Load', 'data-load': c.name });
        loadButton.addEventListener('click', () => void load({ kind: 'stored', name: c.name }, c.name));
        const deleteButton = el('button', { type: 'button', text: 'Delete', 'data-delete': c.name });
        deleteButton.addEventListener('click', () =>
          ctx.client.call({ type: 'delete-stored', name: c.name }).then(listStored, fail),
        );
        return el(
          'li',
          { 'data-name': c.name },
          el('strong', { text: c.name }),
          ` — ${c.description}; ${(c.bytes / 1e6).toFixed(2)} MB, saved ${new Date(c.savedAt).toLocaleString()} `,
          loadButton,
          ' ',
          deleteButton,
        );
      }),
    );
    if (list.length === 0) stored.append(el('li', { text: 'nothing saved in this browser yet' }));
  };
  saveButton.addEventListener('click', async () => {
    saveStatus.className = '';
    saveStatus.textContent = 'saving…';
    try {
      listStored(
        await ctx.client.call({
          type: 'save',
          model: saveWhich.value as 'trained' | 'mlm',
          name: saveName.value,
        }),
      );
      saveStatus.textContent = `saved '${saveName.value.trim()}' in this browser`;
    } catch (error) {
      fail(error);
    }
  });
  downloadButton.addEventListener('click', async () => {
    saveStatus.className = '';
    saveStatus.textContent = 'packing…';
    const folder = saveName.value.trim() || 'model';
    try {
      const zip = await ctx.client.call({
        type: 'download',
        model: saveWhich.value as 'trained' | 'mlm',
        folder,
      });
      const url = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
      const link = el('a', { href: url, download: `${folder}.zip` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      saveStatus.textContent = `${folder}.zip: a Hugging Face folder (${(zip.byteLength / 1e6).toFixed(2)} MB); tensorlm and transformers load it`;
    } catch (error) {
      fail(error);
    }
  });
  ctx.client.call({ type: 'list-stored' }).then(listStored, fail);

  return el(
    'section',
    {},
    el(
      'p',
      { class: 'intro' },
      'Load a model into the page: a folder `tensorlm train` wrote (its best checkpoint is used, as `tensorlm generate --model` does), ',
      'a Hugging Face folder (config.json, safetensors or pytorch_model.bin, tokenizer files), or a Hub repo. ',
      'GPT-2 and BERT architectures load; nothing is sent anywhere.',
    ),
    drop,
    el(
      'div',
      { class: 'controls' },
      el('label', {}, 'a folder: ', folderInput),
      el('label', {}, 'or files: ', filesInput),
    ),
    el('div', { class: 'controls' }, el('label', {}, 'Hub repo ', repo), hubButton),
    status,
    info,
    el('h3', { text: 'save a model trained here' }),
    el(
      'div',
      { class: 'controls' },
      saveWhich,
      el('label', {}, 'name ', saveName),
      saveButton,
      downloadButton,
    ),
    saveStatus,
    el('h3', { text: 'saved in this browser' }),
    stored,
  );
}
