// The loss-curve plot of the seeds' `plot_losses`, as a standalone SVG (no dependency,
// opens in any browser): training loss (solid) and validation loss (dash-dot) against
// optimizer steps on the bottom axis, with a secondary top axis of tokens seen (the
// seed's `ax1.twiny()`), a loss axis on the left and a legend in the upper right.
// Written by hand rather than through a chart library so it also runs in a browser.
// (No PNG: rasterising would need a canvas or an image library.)
import { writeFileAtomic } from '@tensorlm/nn';
import { TrainerError } from '../errors.js';

export interface LossPoint {
  step: number;
  loss: number;
  /** Tokens seen at this step (for the top axis). */
  tokens: number;
}

export interface LossCurveData {
  train: readonly LossPoint[];
  val?: readonly LossPoint[];
}

export interface LossCurveOptions {
  width?: number;
  height?: number;
  title?: string;
  /** Show at most this many points per series (evenly thinned; the last point is kept). Default 2000. */
  maxPoints?: number;
}

const MARGIN = { top: 64, right: 24, bottom: 52, left: 64 };
const COLORS = { train: '#1f77b4', val: '#ff7f0e' };

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A "nice" step (1, 2 or 5 × 10^k) giving about `count` ticks over [lo, hi]. */
function niceStep(lo: number, hi: number, count: number): number {
  const span = hi - lo;
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** Tick values: multiples of a nice step inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const step = niceStep(lo, hi, count);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
export function formatCompactCount(value: number): string {
  const abs = Math.abs(value);
  const trim = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1).replace(/\.0$/, ''));
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function thin(points: readonly LossPoint[], max: number): LossPoint[] {
  if (points.length <= max) return [...points];
  const out: LossPoint[] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)]!);
  return out;
}

function checkSeries(name: string, points: readonly LossPoint[]): void {
  points.forEach((p, i) => {
    for (const key of ['step', 'loss', 'tokens'] as const) {
      if (typeof p?.[key] !== 'number' || !Number.isFinite(p[key])) {
        throw new TrainerError(
          `lossCurveSvg: ${name}[${i}].${key} must be a finite number, got ${String(p?.[key])}`,
        );
      }
    }
  });
}

/** Tokens seen at a (fractional) step, interpolated from the training records. */
function tokensAt(train: readonly LossPoint[], step: number): number {
  if (train.length === 1) return train[0]!.tokens;
  let i = 1;
  while (i < train.length - 1 && train[i]!.step < step) i++;
  const a = train[i - 1]!;
  const b = train[i]!;
  return b.step === a.step
    ? b.tokens
    : a.tokens + ((step - a.step) / (b.step - a.step)) * (b.tokens - a.tokens);
}

/** The step at which `tokens` were seen (inverse of tokensAt; tokens grow with steps). */
function stepAt(train: readonly LossPoint[], tokens: number): number {
  if (train.length === 1) return train[0]!.step;
  let i = 1;
  while (i < train.length - 1 && train[i]!.tokens < tokens) i++;
  const a = train[i - 1]!;
  const b = train[i]!;
  return b.tokens === a.tokens
    ? b.step
    : a.step + ((tokens - a.tokens) / (b.tokens - a.tokens)) * (b.step - a.step);
}

/** The loss curves as a standalone SVG document. */
export function lossCurveSvg(data: LossCurveData, options: LossCurveOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const maxPoints = Math.max(2, options.maxPoints ?? 2000);
  if (!(width >= 200 && height >= 150))
    throw new TrainerError('lossCurveSvg: width must be ≥ 200 and height ≥ 150');
  const trainAll = data?.train ?? [];
  const valAll = data?.val ?? [];
  if (!Array.isArray(trainAll) || trainAll.length === 0)
    throw new TrainerError('lossCurveSvg: train must hold at least one point');
  checkSeries('train', trainAll);
  checkSeries('val', valAll);
  const train = thin(trainAll, maxPoints);
  const val = thin(valAll, maxPoints);
  const all = [...train, ...val];

  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  let x0 = Math.min(...all.map((p) => p.step));
  let x1 = Math.max(...all.map((p) => p.step));
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  let y0 = Math.min(...all.map((p) => p.loss));
  let y1 = Math.max(...all.map((p) => p.loss));
  const pad = (y1 - y0) * 0.05 || Math.abs(y1) * 0.05 || 1;
  y0 -= pad;
  y1 += pad;
  const sx = (step: number) => MARGIN.left + ((step - x0) / (x1 - x0)) * plotW;
  const sy = (loss: number) => MARGIN.top + (1 - (loss - y0) / (y1 - y0)) * plotH;
  const f = (v: number) => Number(v.toFixed(2));
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  const title = options.title ?? 'Training and validation loss';
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  const bottom = MARGIN.top + plotH;
  const right = MARGIN.left + plotW;

  // Grid and the left (loss) axis.
  out.push('<g class="axis y-axis" stroke="#000000">');
  for (const t of niceTicks(y0, y1, 6)) {
    const y = f(sy(t));
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${MARGIN.left - 4}" y1="${y}" x2="${MARGIN.left}" y2="${y}"/>`);
    out.push(
      `<text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end" stroke="none">${escapeXml(String(t))}</text>`,
    );
  }
  out.push('</g>');
  out.push(
    `<text class="axis-label" x="16" y="${f(MARGIN.top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 16 ${f(MARGIN.top + plotH / 2)})">Loss</text>`,
  );

  // Bottom axis: optimizer steps.
  out.push('<g class="axis x-axis" stroke="#000000">');
  for (const t of niceTicks(x0, x1, 6)) {
    const x = f(sx(t));
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}"/>`);
    out.push(
      `<text x="${x}" y="${bottom + 18}" text-anchor="middle" stroke="none">${escapeXml(formatCompactCount(t))}</text>`,
    );
  }
  out.push('</g>');
  out.push(
    `<text class="axis-label" x="${f(MARGIN.left + plotW / 2)}" y="${height - 10}" text-anchor="middle">Steps</text>`,
  );

  // Top axis: tokens seen at those steps (interpolated from the training records).
  const tk0 = tokensAt(train, x0);
  const tk1 = tokensAt(train, x1);
  out.push('<g class="axis x2-axis" stroke="#000000">');
  if (tk1 > tk0) {
    for (const t of niceTicks(tk0, tk1, 5)) {
      const x = f(sx(stepAt(train, t)));
      out.push(`<line x1="${x}" y1="${MARGIN.top - 4}" x2="${x}" y2="${MARGIN.top}"/>`);
      out.push(
        `<text x="${x}" y="${MARGIN.top - 8}" text-anchor="middle" stroke="none" data-tokens="${t}">${escapeXml(formatCompactCount(t))}</text>`,
      );
    }
  }
  out.push('</g>');
  out.push(
    `<text class="axis-label" x="${f(MARGIN.left + plotW / 2)}" y="${MARGIN.top - 28}" text-anchor="middle">Tokens seen</text>`,
  );
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#000000"/>`,
  );

  // The series.
  const polyline = (name: 'train' | 'val', points: LossPoint[], dash: string | null) => {
    if (points.length === 0) return;
    const coords = points.map((p) => `${f(sx(p.step))},${f(sy(p.loss))}`).join(' ');
    out.push(
      `<polyline class="series" data-series="${name}" fill="none" stroke="${COLORS[name]}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${coords}"/>`,
    );
  };
  polyline('train', train, null);
  polyline('val', val, '8 3 2 3');

  // Legend, upper right.
  const entries: ['train' | 'val', string, string | null][] = [['train', 'Training loss', null]];
  if (val.length > 0) entries.push(['val', 'Validation loss', '8 3 2 3']);
  const lx = right - 140;
  out.push(
    `<g class="legend"><rect x="${lx - 8}" y="${MARGIN.top + 8}" width="140" height="${entries.length * 18 + 8}" fill="#ffffff" stroke="#cccccc"/>`,
  );
  entries.forEach(([name, label, dash], i) => {
    const y = MARGIN.top + 20 + i * 18;
    out.push(
      `<line x1="${lx}" y1="${y}" x2="${lx + 24}" y2="${y}" stroke="${COLORS[name]}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
    out.push(`<text x="${lx + 30}" y="${y + 4}">${label}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Writes the plot to `path` atomically (temp file + rename). */
export async function writeLossCurveSvg(
  path: string,
  data: LossCurveData,
  options: LossCurveOptions = {},
): Promise<void> {
  await writeFileAtomic(path, lossCurveSvg(data, options));
}
