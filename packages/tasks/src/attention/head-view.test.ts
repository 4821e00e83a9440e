// The head view page, parsed back with a strict XML parser (test/xml.ts): one panel per
// head of the chosen layer, one line per weight worth drawing (counted by hand from maps
// built here), an L × H grid of heatmaps, each head its own colour, tokens escaped, and
// nothing fetched from elsewhere.
import { describe, expect, it } from 'vitest';
import { byTag, findAll, parseXml, type XmlElement } from '../../test/xml.js';
import { TaskError } from '../pipelines/errors.js';
import { HEAD_VIEW_GENERATOR, headViewHtml } from './head-view.js';
import type { AttentionMaps } from './maps.js';

const TOKENS = ['[CLS]', 'a<b>&"c"', 'dog', '[SEP]'];

/**
 * 2 layers × 3 heads × 4 tokens. Head h of layer l: query i puts 0.7 on key (i + h) % 4,
 * 0.3 on key (i + h + 1) % 4 — except layer 1, head 2, which is 0.995 / 0.005 (the 0.005
 * is under the default minWeight of 0.01, so it is not drawn).
 */
function maps(): AttentionMaps {
  const attentions = [0, 1].map((l) =>
    [0, 1, 2].map((h) =>
      TOKENS.map((_, i) => {
        const row = [0, 0, 0, 0];
        const [big, small] = l === 1 && h === 2 ? [0.995, 0.005] : [0.7, 0.3];
        row[(i + h) % 4] = big;
        row[(i + h + 1) % 4] = small;
        return row;
      }),
    ),
  );
  return {
    architecture: 'BertModel',
    tokens: TOKENS,
    ids: [2, 50, 51, 3],
    numLayers: 2,
    numHeads: 3,
    attentions,
  };
}

const dataOf = (e: XmlElement, name: string) => Number(e.attrs[`data-${name}`]);

describe('headViewHtml', () => {
  it('is well-formed, with a panel per head of the layer and a line per weight ≥ minWeight', () => {
    const html = headViewHtml(maps(), { layer: 1 });
    const root = parseXml(html);
    expect(root.name).toBe('html');
    const headView = findAll(root, (e) => e.attrs.id === 'head-view')[0]!;
    expect(dataOf(headView, 'layer')).toBe(1);
    const panels = findAll(headView, byTag('svg', 'head-panel'));
    expect(panels.map((p) => dataOf(p, 'head'))).toEqual([0, 1, 2]);
    // Heads 0 and 1: 2 lines per query × 4 queries; head 2 of layer 1: the 0.005 lines dropped.
    expect(panels.map((p) => findAll(p, byTag('line')).length)).toEqual([8, 8, 4]);
    for (const panel of panels) {
      const queries = findAll(panel, byTag('text', 'query')).map((t) => t.text);
      const keys = findAll(panel, byTag('text', 'key')).map((t) => t.text);
      expect(queries).toEqual(TOKENS); // escaped in the file, the same text once parsed
      expect(keys).toEqual(TOKENS);
    }
    // Head 1's line from query 3 goes to key (3 + 1) % 4 = 0 with opacity 0.7.
    const line = findAll(panels[1]!, byTag('line')).find(
      (l) => dataOf(l, 'query') === 3 && l.attrs['stroke-opacity'] === '0.7',
    );
    expect(dataOf(line!, 'key')).toBe(0);
    expect(line!.children[0]!.text).toBe('[SEP] → [CLS]: 0.700');
  });

  it('has a layer × head grid of heatmaps, one cell per drawn weight, one colour per head', () => {
    const root = parseXml(headViewHtml(maps(), { minWeight: 0.001 }));
    const modelView = findAll(root, (e) => e.attrs.id === 'model-view')[0]!;
    const rows = findAll(modelView, byTag('tr')).slice(1); // the first row is the head labels
    expect(rows).toHaveLength(2);
    const cells = findAll(modelView, byTag('svg', 'heatmap'));
    expect(cells.map((c) => [dataOf(c, 'layer'), dataOf(c, 'head')])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    // minWeight 0.001: every nonzero weight is a cell, 8 per head, plus the white frame.
    for (const cell of cells) expect(findAll(cell, byTag('rect')).length).toBe(9);
    const colours = findAll(root, byTag('svg', 'head-panel')).map(
      (p) => findAll(p, byTag('line'))[0]!.attrs.stroke,
    );
    expect(new Set(colours).size).toBe(3);
    const fills = cells.slice(0, 3).map((c) => findAll(c, byTag('g'))[0]!.attrs.fill);
    expect(fills).toEqual(colours);
  });

  it('is self-contained: no script, no link, no url(), no remote reference; marked as tensorlm’s', () => {
    const html = headViewHtml(maps());
    const root = parseXml(html);
    expect(findAll(root, (e) => ['script', 'link', 'img', 'iframe', 'object'].includes(e.name))).toEqual([]);
    expect(html).not.toMatch(/url\(|@import|src=|href=/);
    expect(html.replace(/xmlns="[^"]*"/g, '')).not.toMatch(/https?:/);
    const meta = findAll(root, byTag('meta')).find((m) => m.attrs.name === 'generator');
    expect(meta?.attrs.content).toBe(HEAD_VIEW_GENERATOR);
  });

  it('refuses a layer that does not exist and maps of the wrong shape, naming the field', () => {
    expect(() => headViewHtml(maps(), { layer: 2 })).toThrow(
      /layer 2 does not exist: the model has 2 layers/,
    );
    const bad = maps();
    bad.attentions[1]![0]!.pop();
    expect(() => headViewHtml(bad)).toThrow(TaskError);
    expect(() => headViewHtml(bad)).toThrow(/attentions\[1\]\[0\]: must be 4 × 4/);
    expect(() => headViewHtml({ ...maps(), numHeads: 4 })).toThrow(/3 heads, numHeads is 4/);
    expect(() => headViewHtml(maps(), { layer: -1 })).toThrow(/layer/);
  });
});
