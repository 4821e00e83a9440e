// Attention maps as one self-contained HTML page (inline SVG and CSS, no script, no
// external file or font), after bertviz's notebook views: the head view — for one layer,
// a panel per head with the tokens on both sides and a line from each query (left) to
// each key (right) whose opacity is the attention weight, one colour per head — and the
// model view, a layer × head grid of small heatmaps. The markup is also well-formed XML,
// so a test (or a tool) can parse it without an HTML parser.
import { parseOrThrow } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { parseOptions, TaskError } from '../pipelines/errors.js';
import { type AttentionMaps, attentionMapsSchema } from './maps.js';

/** Marks a page as written by `headViewHtml` (the CLI replaces only such files). */
export const HEAD_VIEW_GENERATOR = 'tensorlm attention';

const headViewOptionsSchema = z.strictObject({
  /** The layer the head view shows (0-based); default 0. */
  layer: z.number().int().nonnegative().default(0),
  /** Weights below this are not drawn (lines and heatmap cells); default 0.01. */
  minWeight: z.number().min(0).max(1).default(0.01),
  /** The page title; default "Attention: <architecture>". */
  title: z.string().optional(),
});
export type HeadViewOptions = z.input<typeof headViewOptionsSchema>;

const ROW = 18; // px per token row in the head view
const TOKEN_COLUMN = 110; // px for each token column
const GAP = 70; // px between the columns, where the lines run
const CELL = 96; // px per model-view heatmap

/** Text for XML content and attribute values. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A head's colour: hues spaced evenly around the wheel, so every head differs. */
export function headColour(head: number, numHeads: number): string {
  return `hsl(${Math.round((360 * head) / numHeads)}, 70%, 42%)`;
}

/** Weights as short attribute values (3 decimals is finer than the eye sees). */
const weight = (w: number) => String(Math.round(w * 1000) / 1000);

/** Token labels: long tokens cut so the columns stay narrow. */
function label(token: string): string {
  return token.length > 14 ? `${token.slice(0, 13)}…` : token;
}

function headPanel(maps: AttentionMaps, layer: number, head: number, minWeight: number): string {
  const t = maps.tokens.length;
  const colour = headColour(head, maps.numHeads);
  const width = 2 * TOKEN_COLUMN + GAP;
  const top = 28;
  const height = top + t * ROW + 6;
  const y = (i: number) => top + i * ROW + ROW / 2;
  const left = TOKEN_COLUMN - 4;
  const right = TOKEN_COLUMN + GAP + 4;
  const parts: string[] = [];
  parts.push(
    `<svg class="head-panel" data-layer="${layer}" data-head="${head}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<text class="panel-title" x="${width / 2}" y="16" text-anchor="middle" fill="${colour}">head ${head}</text>`,
  );
  maps.tokens.forEach((token, i) => {
    const text = escapeXml(label(token));
    parts.push(
      `<text class="token query" x="${TOKEN_COLUMN - 8}" y="${y(i)}" text-anchor="end" dominant-baseline="middle">${text}</text>`,
      `<text class="token key" x="${TOKEN_COLUMN + GAP + 8}" y="${y(i)}" dominant-baseline="middle">${text}</text>`,
    );
  });
  const rows = maps.attentions[layer]![head]!;
  rows.forEach((row, i) => {
    row.forEach((w, j) => {
      if (w < minWeight || w === 0) return;
      const title = `${escapeXml(maps.tokens[i]!)} → ${escapeXml(maps.tokens[j]!)}: ${w.toFixed(3)}`;
      parts.push(
        `<line class="attention" data-query="${i}" data-key="${j}" x1="${left}" y1="${y(i)}" x2="${right}" y2="${y(j)}" stroke="${colour}" stroke-opacity="${weight(w)}"><title>${title}</title></line>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function heatmap(maps: AttentionMaps, layer: number, head: number, minWeight: number): string {
  const t = maps.tokens.length;
  const colour = headColour(head, maps.numHeads);
  const cells: string[] = [];
  maps.attentions[layer]![head]!.forEach((row, i) => {
    row.forEach((w, j) => {
      if (w >= minWeight && w > 0)
        cells.push(`<rect x="${j}" y="${i}" width="1" height="1" fill-opacity="${weight(w)}"/>`);
    });
  });
  return (
    `<svg class="heatmap" data-layer="${layer}" data-head="${head}" width="${CELL}" height="${CELL}" viewBox="0 0 ${t} ${t}" preserveAspectRatio="none" shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">` +
    `<title>layer ${layer}, head ${head}: rows are queries, columns keys</title>` +
    `<rect class="frame" x="0" y="0" width="${t}" height="${t}" fill="#fff"/>` +
    `<g fill="${colour}">${cells.join('')}</g></svg>`
  );
}

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 24px; }
.panels { display: flex; flex-wrap: wrap; gap: 12px; }
.head-panel { border: 1px solid #ddd; }
.head-panel .token { font: 12px monospace; fill: #222; }
.head-panel .panel-title { font-weight: bold; }
.head-panel line { stroke-width: 2; }
.head-panel line:hover { stroke-width: 4; }
table.model-view { border-collapse: collapse; }
table.model-view th { font-weight: normal; padding: 2px 6px; }
table.model-view td { padding: 2px; }
.heatmap { border: 1px solid #ccc; display: block; }
.tokens { font-family: monospace; }
`;

/**
 * A self-contained HTML page of `maps`: the head view of `layer` (one panel per head) and
 * the model view (every layer × head as a heatmap, queries down, keys across).
 */
export function headViewHtml(maps: AttentionMaps, options: HeadViewOptions = {}): string {
  parseOrThrow(
    attentionMapsSchema,
    maps,
    'attention maps',
    (message) => new TaskError('TASK_BAD_INPUT', message),
  );
  const { layer, minWeight, title } = parseOptions(headViewOptionsSchema, options, 'head view options');
  if (layer >= maps.numLayers) {
    throw new TaskError(
      'TASK_BAD_OPTIONS',
      `layer ${layer} does not exist: the model has ${maps.numLayers} layers (0 to ${maps.numLayers - 1})`,
    );
  }
  const heading = escapeXml(title ?? `Attention: ${maps.architecture}`);
  const panels = Array.from({ length: maps.numHeads }, (_, h) => headPanel(maps, layer, h, minWeight));
  const headerCells = Array.from({ length: maps.numHeads }, (_, h) => `<th>head ${h}</th>`).join('');
  const rows = maps.attentions.map(
    (_, l) =>
      `<tr><th>layer ${l}</th>${Array.from({ length: maps.numHeads }, (_, h) => `<td>${heatmap(maps, l, h, minWeight)}</td>`).join('')}</tr>`,
  );
  return `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<meta name="generator" content="${HEAD_VIEW_GENERATOR}"/>
<title>${heading}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${heading}</h1>
<p class="tokens">${maps.tokens.length} tokens: ${maps.tokens.map(escapeXml).join(' ')}</p>
<section id="head-view" data-layer="${layer}">
<h2>Head view: layer ${layer} of ${maps.numLayers}</h2>
<p>Each panel is one head: a line joins a token on the left (the query) to a token on the right (a key it attends to); the darker the line, the larger the weight. Weights under ${minWeight} are not drawn. Hover a line for its weight.</p>
<div class="panels">
${panels.join('\n')}
</div>
</section>
<section id="model-view">
<h2>Model view: ${maps.numLayers} layers × ${maps.numHeads} heads</h2>
<p>Each cell is one head's attention matrix: row i is query token i, column j key token j.</p>
<table class="model-view">
<tr><th></th>${headerCells}</tr>
${rows.join('\n')}
</table>
</section>
</body>
</html>
`;
}
