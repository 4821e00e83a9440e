// The Fill-mask view: trains `tensorlm train mlm`'s small grammar BERT in the page (steps,
// batch size, learning rate; the CLI's defaults), or uses a loaded BERT folder (Models
// view), and lists the top-k candidates for each [MASK] of a sentence with their
// probabilities, through @tensorlm/tasks' fill-mask pipeline in the worker.
import type { FillMaskCandidate } from '@tensorlm/tasks';
import { MLM_DEFAULTS, type MlmSettings } from '../state/settings.js';
import { el, formatCount, numberField } from '../ui/dom.js';
import { onModelLoaded, type ViewContext } from './context.js';

function candidates(perMask: FillMaskCandidate[][]): HTMLElement {
  return el(
    'div',
    { 'data-testid': 'fill-results' },
    ...perMask.map((list, m) =>
      el(
        'table',
        { class: 'candidates', 'data-mask': m },
        el('caption', { text: perMask.length > 1 ? `mask ${m + 1}` : 'candidates' }),
        ...list.map((c) =>
          el(
            'tr',
            { 'data-token': c.tokenStr, 'data-score': c.score },
            el('td', { class: 'candidate', text: c.tokenStr }),
            el(
              'td',
              {},
              el('span', { class: 'bar', style: `width: ${Math.max(1, Math.round(160 * c.score))}px` }),
              ` ${(100 * c.score).toFixed(1)}%`,
            ),
            el('td', { class: 'sequence', text: c.sequence }),
          ),
        ),
      ),
    ),
  );
}

export function fillMaskView(ctx: ViewContext): HTMLElement {
  const settings: MlmSettings = { ...MLM_DEFAULTS, seed: ctx.settings.seed };
  const set = (key: keyof MlmSettings) => (value: number) => {
    settings[key] = value;
  };
  const train = el('button', { type: 'button', text: 'Train the masked LM', 'data-testid': 'mlm-train' });
  const progress = el('output', { 'data-testid': 'mlm-progress', text: 'not trained yet' });
  let running = false;
  train.addEventListener('click', () => {
    ctx.client.send(running ? { type: 'mlm-pause' } : { type: 'mlm-run', settings: { ...settings } });
    if (!running) {
      running = true;
      train.textContent = 'Pause';
    }
  });

  const model = el(
    'select',
    { name: 'fill-model', 'data-testid': 'fill-model' },
    el('option', { value: 'mlm', text: 'the masked LM trained here' }),
    el('option', { value: 'loaded', text: 'the loaded model (Models view)' }),
  );
  onModelLoaded((info) => {
    if (info.architecture === 'BertForMaskedLM') model.value = 'loaded';
  });
  const text = el('input', {
    type: 'text',
    name: 'fill-text',
    value: 'the [MASK] saw a cat',
    size: 40,
    'data-testid': 'fill-text',
  });
  let topK = 5;
  const fill = el('button', { type: 'button', text: 'Fill', 'data-testid': 'fill-run' });
  const status = el('p', { 'data-testid': 'fill-status', role: 'status' });
  const results = el('div');
  fill.addEventListener('click', async () => {
    fill.disabled = true;
    status.className = '';
    status.textContent = 'computing…';
    try {
      const perMask = await ctx.client.call({
        type: 'fill-mask',
        model: model.value as 'mlm' | 'loaded',
        text: text.value,
        topK,
      });
      results.replaceChildren(candidates(perMask));
      status.textContent = `${perMask.length} mask${perMask.length > 1 ? 's' : ''}, top ${topK} candidates each`;
    } catch (error) {
      results.replaceChildren();
      status.className = 'error';
      status.textContent = (error as Error).message;
    } finally {
      fill.disabled = false;
    }
  });

  ctx.client.listen((m) => {
    if (m.type === 'mlm-step') {
      running = m.running;
      train.textContent = m.running ? 'Pause' : m.step >= m.steps ? 'Train again' : 'Resume';
      progress.dataset.step = String(m.step);
      progress.dataset.running = String(m.running);
      if (Number.isFinite(m.loss))
        progress.textContent = `step ${m.step} of ${m.steps}: masked-token loss ${m.loss.toFixed(3)}, ${formatCount(m.tokensPerSecond)} tokens/s`;
    } else if (m.type === 'mlm-error') {
      running = false;
      train.textContent = 'Train the masked LM';
      progress.textContent = m.message;
      progress.className = 'error';
    }
  });

  return el(
    'section',
    {},
    el(
      'p',
      { class: 'intro' },
      'A small BERT (2 layers, hidden 64) learns the grammar by filling in hidden words, as `tensorlm train mlm` does: ',
      '15 % of the words are chosen, of those 80 % become [MASK], 10 % a random word, 10 % stay. Or load a BERT folder in Models.',
    ),
    el(
      'fieldset',
      {},
      el('legend', { text: 'masked LM training' }),
      numberField('steps', 'mlmSteps', settings.steps, { min: 1, max: 100000 }, set('steps')),
      numberField('batch size', 'mlmBatch', settings.batch, { min: 1, max: 1024 }, set('batch')),
      numberField('learning rate', 'mlmLr', settings.lr, { min: 0, max: 1, step: 'any' }, set('lr')),
      train,
      ' ',
      progress,
    ),
    el(
      'div',
      { class: 'controls' },
      el('label', {}, 'model ', model),
      el('label', {}, 'sentence ', text),
      numberField('top-k', 'fillTopK', topK, { min: 1, max: 50 }, (v) => {
        topK = v;
      }),
      fill,
    ),
    status,
    results,
  );
}
