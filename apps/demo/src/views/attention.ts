// The Attention view, after bertviz: for a sentence and a model (the grammar GPT trained
// here, the masked LM trained here, or the loaded model), the head view — the tokens twice,
// side by side, joined by lines whose opacity is the attention weight, one colour per head,
// a layer picker and head toggles; hovering a token keeps only its lines — and the model
// view, a layer × head grid of small query × key maps. The maps come from
// @tensorlm/tasks' `attentionMaps` in the worker.
import type { AttentionMaps } from '@tensorlm/tasks';
import { el, palette } from '../ui/dom.js';
import type { ModelChoice } from '../worker/protocol.js';
import { onModelLoaded, type ViewContext } from './context.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Weights below this draw no line (they would be invisible and slow the page). */
const MIN_WEIGHT = 0.02;
const ROW = 22;
const MAP = 72;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/**
 * The head view of one layer: every line carries its query's index, so hovering a token
 * hides the other tokens' lines without redrawing (a redraw under the pointer would fire
 * mouseenter again).
 */
function headView(maps: AttentionMaps, layer: number, heads: boolean[]): SVGSVGElement {
  const t = maps.tokens.length;
  const width = 420;
  const left = 120;
  const right = width - 120;
  const root = svg('svg', { width, height: t * ROW + 10, 'data-testid': 'head-view', role: 'img' });
  root.setAttribute('aria-label', `attention of layer ${layer + 1}`);
  const y = (i: number) => 14 + i * ROW;
  for (let h = 0; h < maps.numHeads; h++) {
    if (!heads[h]) continue;
    const group = svg('g', { 'data-head': h, stroke: palette(h) });
    const rows = maps.attentions[layer]![h]!;
    for (let q = 0; q < t; q++) {
      for (let k = 0; k < t; k++) {
        const w = rows[q]![k]!;
        if (w < MIN_WEIGHT) continue;
        group.append(
          svg('line', {
            x1: left + 6,
            y1: y(q) - 4,
            x2: right - 6,
            y2: y(k) - 4,
            'stroke-width': 2,
            'stroke-opacity': w.toFixed(3),
            'data-query': q,
          }),
        );
      }
    }
    root.append(group);
  }
  const focus = (q: number | null) => {
    for (const line of Array.from(root.querySelectorAll<SVGLineElement>('line')))
      line.style.display = q === null || line.dataset.query === String(q) ? '' : 'none';
  };
  maps.tokens.forEach((token, i) => {
    const from = svg('text', {
      x: left,
      y: y(i),
      'text-anchor': 'end',
      class: 'attn-token',
      'data-index': i,
    });
    from.textContent = token;
    from.addEventListener('mouseenter', () => focus(i));
    from.addEventListener('mouseleave', () => focus(null));
    const to = svg('text', { x: right, y: y(i), class: 'attn-token' });
    to.textContent = token;
    root.append(from, to);
  });
  return root;
}

/** One head's query × key map as a small heat map (darker: more attention). */
function smallMap(rows: number[][], colour: number, label: string): HTMLCanvasElement {
  const t = rows.length;
  const canvas = el('canvas', { width: MAP, height: MAP, title: label, class: 'attn-map' });
  const g = canvas.getContext('2d')!;
  const cell = MAP / t;
  for (let q = 0; q < t; q++)
    for (let k = 0; k < t; k++) {
      g.fillStyle = `hsla(${(colour * 137.508) % 360}, 65%, 40%, ${rows[q]![k]!.toFixed(3)})`;
      g.fillRect(k * cell, q * cell, Math.ceil(cell), Math.ceil(cell));
    }
  return canvas;
}

function modelView(maps: AttentionMaps): HTMLElement {
  const grid = el('div', { class: 'attn-grid', 'data-testid': 'model-view' });
  grid.style.gridTemplateColumns = `auto repeat(${maps.numHeads}, ${MAP + 4}px)`;
  grid.append(
    el('span'),
    ...Array.from({ length: maps.numHeads }, (_, h) =>
      el('span', { class: 'attn-label', text: `head ${h + 1}` }),
    ),
  );
  maps.attentions.forEach((layer, l) => {
    grid.append(el('span', { class: 'attn-label', text: `layer ${l + 1}` }));
    layer.forEach((rows, h) => {
      const canvas = smallMap(rows, h, `layer ${l + 1}, head ${h + 1}`);
      canvas.dataset.layer = String(l);
      canvas.dataset.head = String(h);
      grid.append(canvas);
    });
  });
  return grid;
}

export function attentionView(ctx: ViewContext): HTMLElement {
  const model = el(
    'select',
    { name: 'attention-model', 'data-testid': 'attention-model' },
    el('option', { value: 'trained', text: 'the grammar GPT trained here' }),
    el('option', { value: 'mlm', text: 'the masked LM trained here (Fill-mask)' }),
    el('option', { value: 'loaded', text: 'the loaded model (Models view)' }),
  );
  onModelLoaded(() => {
    model.value = 'loaded';
  });
  const text = el('input', {
    type: 'text',
    name: 'attention-text',
    value: 'the dog saw a cat',
    size: 40,
    'data-testid': 'attention-text',
  });
  const button = el('button', { type: 'button', text: 'Show attention', 'data-testid': 'attention-run' });
  const layerPick = el('select', { name: 'attention-layer', 'data-testid': 'attention-layer' });
  const headToggles = el('span', { class: 'head-toggles', 'data-testid': 'head-toggles' });
  const status = el('p', { 'data-testid': 'attention-status', role: 'status' });
  const headHost = el('div', { class: 'head-view' });
  const modelHost = el('div');
  let maps: AttentionMaps | null = null;
  let heads: boolean[] = [];

  const drawHeads = () => {
    if (maps) headHost.replaceChildren(headView(maps, Number(layerPick.value), heads));
  };
  layerPick.addEventListener('change', drawHeads);

  const show = (next: AttentionMaps) => {
    maps = next;
    heads = Array.from({ length: next.numHeads }, () => true);
    layerPick.replaceChildren(
      ...Array.from({ length: next.numLayers }, (_, l) => el('option', { value: l, text: `layer ${l + 1}` })),
    );
    headToggles.replaceChildren(
      ...heads.map((_, h) => {
        const box = el('input', { type: 'checkbox', checked: true, 'data-head': h });
        box.addEventListener('change', () => {
          heads[h] = box.checked;
          drawHeads();
        });
        return el('label', { class: 'head-toggle', style: `border-color: ${palette(h)}` }, box, ` ${h + 1}`);
      }),
    );
    drawHeads();
    modelHost.replaceChildren(
      el('h3', {
        text: `model view: ${next.numLayers} layers × ${next.numHeads} heads (row: query, column: key)`,
      }),
      modelView(next),
    );
  };

  button.addEventListener('click', async () => {
    button.disabled = true;
    status.className = '';
    status.textContent = 'computing…';
    try {
      const result = await ctx.client.call({
        type: 'attention',
        model: model.value as ModelChoice,
        text: text.value,
      });
      show(result);
      status.textContent = `${result.architecture}: ${result.tokens.length} tokens (${result.tokens.join(' · ')})`;
      status.dataset.maps = String(result.numLayers * result.numHeads);
    } catch (error) {
      status.className = 'error';
      status.textContent = (error as Error).message;
    } finally {
      button.disabled = false;
    }
  });

  return el(
    'section',
    {},
    el(
      'p',
      { class: 'intro' },
      'What each attention head looks at, as bertviz draws it. Left: the token attending (the query); right: the tokens it attends to. ',
      'Line opacity is the attention weight, one colour per head; hover a token to see only its lines. A GPT attends only to earlier tokens.',
    ),
    el(
      'div',
      { class: 'controls' },
      el('label', {}, 'model ', model),
      el('label', {}, 'sentence ', text),
      button,
    ),
    status,
    el(
      'div',
      { class: 'controls' },
      el('label', {}, 'layer ', layerPick),
      el('span', {}, 'heads: ', headToggles),
    ),
    headHost,
    modelHost,
  );
}
