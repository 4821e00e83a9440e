// Several learning curves in one SVG against tokens seen (the x axis runs fairly across
// models whose steps hold different numbers of tokens): `train reviews --arch both` draws
// the LSTM's and the transformer's training (solid) and validation (dashed) losses.
// Shares its axes' tick rules with loss-curve.ts; no dependency, opens in any browser.
import { TrainerError } from '../errors.js';
import { formatCompactCount, type LossPoint, niceTicks } from './loss-curve.js';

export interface LossSeries {
  /** Legend label, e.g. `lstm validation`. */
  name: string;
  points: readonly LossPoint[];
  /** Drawn dashed (validation curves). */
  dashed?: boolean;
  /** Series with the same group share a colour (one model's train and validation). */
  group?: string;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const M = { top: 40, right: 24, bottom: 52, left: 64 };

const esc = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The curves as a standalone SVG document: loss by tokens seen, one polyline per series. */
export function lossCurvesSvg(
  series: readonly LossSeries[],
  options: { width?: number; height?: number; title?: string } = {},
): string {
  const width = options.width ?? 720;
  const height = options.height ?? 440;
  const drawn = series.filter((s) => s.points.length > 0);
  if (drawn.length === 0) throw new TrainerError('lossCurvesSvg: no series holds a point');
  for (const s of drawn)
    s.points.forEach((p, i) => {
      if (!Number.isFinite(p.tokens) || !Number.isFinite(p.loss))
        throw new TrainerError(`lossCurvesSvg: ${s.name}[${i}] must have finite tokens and loss`);
    });
  const all = drawn.flatMap((s) => s.points);
  let x0 = Math.min(...all.map((p) => p.tokens));
  let x1 = Math.max(...all.map((p) => p.tokens));
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  let y0 = Math.min(...all.map((p) => p.loss));
  let y1 = Math.max(...all.map((p) => p.loss));
  const pad = (y1 - y0) * 0.05 || 1;
  y0 -= pad;
  y1 += pad;
  const pw = width - M.left - M.right;
  const ph = height - M.top - M.bottom;
  const f = (v: number) => Number(v.toFixed(2));
  const sx = (t: number) => f(M.left + ((t - x0) / (x1 - x0)) * pw);
  const sy = (l: number) => f(M.top + (1 - (l - y0) / (y1 - y0)) * ph);
  const groups = [...new Set(drawn.map((s) => s.group ?? s.name))];
  const colour = (s: LossSeries) => PALETTE[groups.indexOf(s.group ?? s.name) % PALETTE.length]!;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(options.title ?? 'Training and validation loss')}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${f(M.left + pw / 2)}" y="22" text-anchor="middle" font-size="14">${esc(options.title ?? 'Training and validation loss')}</text>`,
  ];
  for (const t of niceTicks(y0, y1, 6)) {
    out.push(`<line x1="${M.left}" y1="${sy(t)}" x2="${M.left + pw}" y2="${sy(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6))
    out.push(
      `<text x="${sx(t)}" y="${M.top + ph + 18}" text-anchor="middle">${formatCompactCount(t)}</text>`,
    );
  out.push(`<text x="${f(M.left + pw / 2)}" y="${height - 10}" text-anchor="middle">Tokens seen</text>`);
  out.push(
    `<text x="16" y="${f(M.top + ph / 2)}" text-anchor="middle" transform="rotate(-90 16 ${f(M.top + ph / 2)})">Loss</text>`,
  );
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#000000"/>`);
  for (const s of drawn) {
    const coords = s.points.map((p) => `${sx(p.tokens)},${sy(p.loss)}`).join(' ');
    out.push(
      `<polyline class="series" data-series="${esc(s.name)}" fill="none" stroke="${colour(s)}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="6 3"' : ''} points="${coords}"/>`,
    );
  }
  const lx = M.left + pw - 180;
  out.push(
    `<rect x="${lx - 8}" y="${M.top + 8}" width="180" height="${drawn.length * 18 + 8}" fill="#ffffff" stroke="#cccccc"/>`,
  );
  drawn.forEach((s, i) => {
    const y = M.top + 20 + i * 18;
    out.push(
      `<line x1="${lx}" y1="${y}" x2="${lx + 24}" y2="${y}" stroke="${colour(s)}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`,
    );
    out.push(`<text x="${lx + 30}" y="${y + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
