// The Train view: the grammar GPT's hyperparameters (kept in the URL), run / pause /
// single step / reset, a live chart of training and held-out loss by step, tokens/s, and
// sentences sampled every `every` steps with the share the grammar's parser accepts.
import uPlot from 'uplot';
import { shapeProblem, type TrainSettings } from '../state/settings.js';
import { el, formatCount, numberField } from '../ui/dom.js';
import type { WorkerMessage } from '../worker/protocol.js';
import type { ViewContext } from './context.js';

function lossChart(host: HTMLElement): {
  add(step: number, train: number | null, val: number | null): void;
  clear(): void;
} {
  const steps: number[] = [];
  const train: (number | null)[] = [];
  const val: (number | null)[] = [];
  const width = () => Math.max(320, Math.min(host.clientWidth || 720, 900));
  const plot = new uPlot(
    {
      width: width(),
      height: 280,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { label: 'loss' }],
      series: [
        { label: 'step' },
        { label: 'training loss', stroke: 'hsl(210, 70%, 45%)', width: 1.5 },
        {
          label: 'held-out loss',
          stroke: 'hsl(25, 85%, 50%)',
          width: 2,
          spanGaps: true,
          points: { show: true, size: 5 },
        },
      ],
    },
    [steps, train, val],
    host,
  );
  window.addEventListener('resize', () => plot.setSize({ width: width(), height: 280 }));
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      plot.setData([steps, train, val]);
    });
  };
  return {
    add(step, t, v) {
      const at = steps.indexOf(step);
      if (at >= 0) {
        if (t !== null) train[at] = t;
        if (v !== null) val[at] = v;
      } else {
        steps.push(step);
        train.push(t);
        val.push(v);
      }
      redraw();
    },
    clear() {
      steps.length = 0;
      train.length = 0;
      val.length = 0;
      redraw();
    },
  };
}

export function trainView(ctx: ViewContext): HTMLElement {
  let draft: TrainSettings = { ...ctx.settings };
  const fieldProblem = el('p', { class: 'warn', 'data-testid': 'settings-problem' });
  const set = (key: keyof TrainSettings) => (value: number) => {
    draft = { ...draft, [key]: value };
    fieldProblem.textContent = shapeProblem(draft.width, draft.heads) ?? 'press Reset to apply';
  };
  const s = ctx.settings;
  const fields = el(
    'fieldset',
    {},
    el('legend', { text: 'model and training' }),
    numberField('layers', 'layers', s.layers, { min: 1, max: 8 }, set('layers')),
    numberField('width', 'width', s.width, { min: 8, max: 256, step: 8, title: 'n_embd' }, set('width')),
    numberField('heads', 'heads', s.heads, { min: 1, max: 16 }, set('heads')),
    numberField('learning rate', 'lr', s.lr, { min: 0, max: 1, step: 'any' }, set('lr')),
    numberField('batch size', 'batch', s.batch, { min: 1, max: 1024 }, set('batch')),
    numberField('steps', 'steps', s.steps, { min: 1, max: 100000 }, set('steps')),
    numberField('sample every', 'every', s.every, { min: 1, max: 10000 }, set('every')),
    numberField('seed', 'seed', s.seed, { min: 0 }, set('seed')),
    fieldProblem,
  );

  const runButton = el('button', { type: 'button', 'data-testid': 'run', text: 'Run', disabled: true });
  const stepButton = el('button', { type: 'button', 'data-testid': 'step', text: 'Step', disabled: true });
  const resetButton = el('button', { type: 'button', 'data-testid': 'reset', text: 'Reset' });
  let running = false;
  runButton.addEventListener('click', () => ctx.client.send({ type: running ? 'pause' : 'run' }));
  stepButton.addEventListener('click', () => ctx.client.send({ type: 'step' }));

  const stat = (name: string) => el('output', { 'data-testid': name, text: '—' });
  const stats = {
    step: stat('stat-step'),
    loss: stat('stat-loss'),
    val: stat('stat-val'),
    speed: stat('stat-tokens-per-second'),
    tokens: stat('stat-tokens'),
    params: stat('stat-parameters'),
  };
  const statList = el(
    'dl',
    { class: 'stats' },
    el('dt', { text: 'step' }),
    el('dd', {}, stats.step),
    el('dt', { text: 'training loss' }),
    el('dd', {}, stats.loss),
    el('dt', { text: 'held-out loss' }),
    el('dd', {}, stats.val),
    el('dt', { text: 'tokens/s' }),
    el('dd', {}, stats.speed),
    el('dt', { text: 'tokens seen' }),
    el('dd', {}, stats.tokens),
    el('dt', { text: 'parameters' }),
    el('dd', {}, stats.params),
  );
  const chartHost = el('div', { class: 'chart', 'data-testid': 'loss-chart' });
  const sampleTitle = el('h3', { text: 'samples from "the dog"' });
  const sampleList = el('ul', { class: 'samples', 'data-testid': 'samples' });
  const error = el('p', { class: 'error', 'data-testid': 'train-error', role: 'alert' });
  const view = el(
    'section',
    {},
    el(
      'p',
      { class: 'intro' },
      'A small GPT learns a toy English grammar (39 words) right here, in a Web Worker. ',
      'Loss is next-token cross-entropy with padding counted, as `tensorlm train grammar` reports it; chance is ln 39 ≈ 3.66.',
    ),
    fields,
    el('div', { class: 'buttons' }, runButton, stepButton, resetButton),
    error,
    statList,
    chartHost,
    sampleTitle,
    sampleList,
  );
  const chart = lossChart(chartHost);

  resetButton.addEventListener('click', () => {
    const problem = shapeProblem(draft.width, draft.heads);
    if (problem) {
      fieldProblem.textContent = problem;
      return;
    }
    fieldProblem.textContent = '';
    ctx.store({ ...ctx.settings, ...draft });
    chart.clear();
    sampleList.replaceChildren();
    error.textContent = '';
    runButton.disabled = true;
    stepButton.disabled = true;
    ctx.client.send({ type: 'reset', settings: draft });
  });

  ctx.client.listen((m: WorkerMessage) => {
    switch (m.type) {
      case 'ready':
        stats.params.textContent = formatCount(m.parameters);
        for (const key of ['step', 'loss', 'speed', 'tokens'] as const) stats[key].textContent = '—';
        break;
      case 'state':
        running = m.running;
        runButton.textContent = m.running ? 'Pause' : m.step > 0 ? 'Resume' : 'Run';
        runButton.disabled = m.step >= m.steps;
        stepButton.disabled = m.running || m.step >= m.steps;
        view.dataset.running = String(m.running);
        view.dataset.step = String(m.step);
        break;
      case 'step':
        stats.step.textContent = String(m.step);
        stats.loss.textContent = m.loss.toFixed(3);
        stats.speed.textContent = formatCount(m.tokensPerSecond);
        stats.speed.title = `mean over all steps: ${formatCount(m.meanTokensPerSecond)} tokens/s`;
        stats.speed.dataset.mean = String(m.meanTokensPerSecond);
        stats.tokens.textContent = formatCount(m.tokensSeen);
        chart.add(m.step, m.loss, null);
        break;
      case 'eval':
        stats.val.textContent = m.loss.toFixed(3);
        chart.add(m.step, null, m.loss);
        break;
      case 'samples':
        sampleTitle.textContent = `samples from "the dog" at step ${m.step}: ${m.accepted} of ${m.total} grammatical (${((100 * m.accepted) / m.total).toFixed(0)}%)`;
        sampleTitle.dataset.accepted = String(m.accepted / m.total);
        sampleList.replaceChildren(...m.sentences.slice(0, 8).map((text) => el('li', { text })));
        break;
      case 'error':
        error.textContent = m.message;
        break;
    }
  });
  return view;
}
