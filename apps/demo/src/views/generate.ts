// The Generate view: continues a prompt with the model being trained, or with a loaded one
// (Models view) — greedy or sampled (temperature, top-k, top-p, seed), up to a number of
// tokens — streaming each token as the worker produces it, with its probability and the
// five most likely tokens on hover.
import { el, numberField } from '../ui/dom.js';
import type { GenerateRequest } from '../worker/protocol.js';
import { onModelLoaded, type ViewContext } from './context.js';

export function generateView(ctx: ViewContext): HTMLElement {
  const request: GenerateRequest = {
    prompt: 'the dog',
    maxNewTokens: 18,
    doSample: false,
    temperature: 0.7,
    topK: 0,
    topP: 0.9,
    seed: 0,
    stopAtEnd: true,
    model: 'trained',
  };
  const which = el(
    'select',
    { name: 'generate-model', 'data-testid': 'generate-model' },
    el('option', { value: 'trained', text: 'the grammar GPT trained here' }),
    el('option', { value: 'loaded', text: 'the loaded model (Models view)' }),
  );
  which.addEventListener('change', () => {
    request.model = which.value as GenerateRequest['model'];
  });
  onModelLoaded((info) => {
    if (info.architecture !== 'GPT2LMHeadModel') return;
    which.value = 'loaded';
    request.model = 'loaded';
  });
  const prompt = el('input', {
    type: 'text',
    name: 'prompt',
    value: request.prompt,
    'data-testid': 'prompt',
    size: 40,
  });
  prompt.addEventListener('input', () => {
    request.prompt = prompt.value;
  });
  const mode = el(
    'select',
    { name: 'mode', 'data-testid': 'mode' },
    el('option', { value: 'greedy', text: 'greedy' }),
    el('option', { value: 'sample', text: 'sample' }),
  );
  const sampling = el(
    'span',
    { class: 'sampling' },
    numberField('temperature', 'temperature', request.temperature, { min: 0, max: 5, step: 'any' }, (v) => {
      request.temperature = v;
    }),
    numberField('top-k (0: off)', 'topK', request.topK, { min: 0, max: 39 }, (v) => {
      request.topK = v;
    }),
    numberField('top-p', 'topP', request.topP, { min: 0.01, max: 1, step: 'any' }, (v) => {
      request.topP = v;
    }),
    numberField('seed', 'genSeed', request.seed, { min: 0 }, (v) => {
      request.seed = v;
    }),
  );
  sampling.hidden = true;
  mode.addEventListener('change', () => {
    request.doSample = mode.value === 'sample';
    sampling.hidden = !request.doSample;
  });
  const stopAtEnd = el('input', {
    type: 'checkbox',
    name: 'stopAtEnd',
    checked: true,
    'data-testid': 'stop-at-end',
  });
  stopAtEnd.addEventListener('change', () => {
    request.stopAtEnd = stopAtEnd.checked;
  });
  const button = el('button', { type: 'button', 'data-testid': 'generate', text: 'Generate' });
  const output = el('p', { class: 'generated', 'data-testid': 'generated', 'aria-live': 'polite' });
  const status = el('p', { 'data-testid': 'generate-status' });
  // A loaded model's text as the CLI prints it (its tokenizer's decode, specials skipped).
  const decoded = el('p', { class: 'decoded', 'data-testid': 'generated-text' });
  let current = 0;

  button.addEventListener('click', () => {
    current += 1;
    output.replaceChildren(el('span', { class: 'prompt', text: request.prompt.trim() }));
    output.dataset.tokens = '0';
    decoded.textContent = '';
    delete decoded.dataset.text;
    delete output.dataset.done;
    status.textContent = 'generating…';
    status.className = '';
    button.disabled = true;
    ctx.client.send({ type: 'generate', id: current, request: { ...request } });
  });

  ctx.client.listen((m) => {
    if ((m.type !== 'token' && m.type !== 'generated') || m.id !== current) return;
    if (m.type === 'token') {
      const alternatives = m.alternatives.map((a) => `${a.token} ${(100 * a.prob).toFixed(1)}%`).join('\n');
      output.append(
        ' ',
        el('span', {
          class: 'token',
          text: m.token,
          title:
            m.prob === null
              ? 'probabilities are not computed for a model this large'
              : `p = ${(100 * m.prob).toFixed(1)}% (before temperature / top-k / top-p)\nmost likely here:\n${alternatives}`,
          style: `background: hsla(140, 60%, 45%, ${m.prob === null ? 0.15 : 0.15 + 0.6 * m.prob})`,
          'data-prob': m.prob ?? undefined,
          'data-at': m.at,
        }),
      );
      output.dataset.tokens = String(Number(output.dataset.tokens) + 1);
      if (m.text !== undefined) decoded.textContent = m.text;
    } else {
      if (m.text !== undefined) {
        decoded.textContent = m.text;
        decoded.dataset.text = m.text;
      }
      button.disabled = false;
      if (m.finish === 'error') {
        status.textContent = m.error ?? 'generation failed';
        status.className = 'error';
      } else {
        status.textContent =
          m.finish === 'eos' ? 'done: the model ended the sentence ([End])' : 'done: reached the token limit';
      }
      output.dataset.done = m.finish;
    }
  });

  return el(
    'section',
    {},
    el(
      'p',
      { class: 'intro' },
      'Continue a prompt with the model as it is now (train it first in the Train view). ',
      'Hover a word to see its probability and the alternatives. The grammar model knows only the grammar’s 37 words; a loaded model (Models view) uses its own tokenizer.',
    ),
    el(
      'div',
      { class: 'controls' },
      el('label', {}, 'model ', which),
      el('label', {}, 'prompt ', prompt),
      el('label', {}, 'decoding ', mode),
      numberField('max tokens', 'maxNewTokens', request.maxNewTokens, { min: 1, max: 100 }, (v) => {
        request.maxNewTokens = v;
      }),
      sampling,
      el('label', {}, stopAtEnd, ' stop at [End]'),
      button,
    ),
    output,
    decoded,
    status,
  );
}
