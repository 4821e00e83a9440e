// The Embeddings view: the grammar words' token embeddings on their two principal axes
// (PCA), one colour per part of speech (the grammar's word categories), redrawn whenever
// the worker samples; and the k-means clusters (k = 7) as `tensorlm train grammar` prints them.
import uPlot from 'uplot';
import { el, palette } from '../ui/dom.js';
import type { EmbeddingPoint } from '../worker/protocol.js';
import type { ViewContext } from './context.js';

/** uPlot draws lines over ascending x: a scatter is one points-only series per category over the sorted xs. */
function scatterData(points: EmbeddingPoint[], categories: string[]): uPlot.AlignedData {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  return [
    sorted.map((p) => p.x),
    ...categories.map((c) => sorted.map((p) => (p.pos === c ? p.y : null))),
  ] as uPlot.AlignedData;
}

export function embeddingsView(ctx: ViewContext): HTMLElement {
  const caption = el('p', { 'data-testid': 'embeddings-caption', text: 'waiting for the model…' });
  const host = el('div', { class: 'chart', 'data-testid': 'embeddings-chart' });
  const clusters = el('ol', { class: 'clusters', 'data-testid': 'clusters' });
  const view = el(
    'section',
    {},
    el(
      'p',
      { class: 'intro' },
      'Each word of the grammar is a learned vector; here they are projected onto their two principal axes. ',
      'As training goes, words of the same part of speech gather.',
    ),
    caption,
    host,
    el('h3', { text: 'k-means clusters (k = 7)' }),
    clusters,
  );
  let plot: uPlot | null = null;
  let categories: string[] = [];
  let current: EmbeddingPoint[] = [];
  const width = () => Math.max(320, Math.min(host.clientWidth || 720, 900));

  const labels = (u: uPlot) => {
    const c = u.ctx;
    c.save();
    c.font = `${12 * devicePixelRatio}px sans-serif`;
    for (const p of current) {
      const i = categories.indexOf(p.pos);
      c.fillStyle = palette(i, 35);
      c.fillText(p.word, u.valToPos(p.x, 'x', true) + 6 * devicePixelRatio, u.valToPos(p.y, 'y', true) - 4);
    }
    c.restore();
  };

  function draw(points: EmbeddingPoint[]): void {
    current = points;
    const cats = [...new Set(points.map((p) => p.pos))];
    if (!plot || cats.join() !== categories.join()) {
      categories = cats;
      plot?.destroy();
      plot = new uPlot(
        {
          width: width(),
          height: 420,
          scales: { x: { time: false } },
          legend: { live: false },
          cursor: { show: false },
          axes: [{ label: 'principal axis 1' }, { label: 'principal axis 2' }],
          series: [
            {},
            ...categories.map((c, i) => ({
              label: c,
              stroke: palette(i),
              fill: palette(i),
              paths: () => null,
              points: { show: true, size: 9, fill: palette(i) },
            })),
          ],
          hooks: { draw: [labels] },
        },
        scatterData(points, categories),
        host,
      );
    } else plot.setData(scatterData(points, categories));
  }

  window.addEventListener('resize', () => plot?.setSize({ width: width(), height: 420 }));
  ctx.client.listen((m) => {
    if (m.type !== 'embeddings') return;
    caption.textContent =
      `step ${m.step}: ${m.points.length} words; the two axes hold ` +
      `${(100 * m.explained[0]).toFixed(0)}% and ${(100 * m.explained[1]).toFixed(0)}% of the variance`;
    view.dataset.step = String(m.step);
    draw(m.points);
    clusters.replaceChildren(...m.clusters.map((words) => el('li', { text: words.join(' ') })));
  });
  return view;
}
