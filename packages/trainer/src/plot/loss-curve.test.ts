// The SVG is parsed as XML (strictly) and checked for what the seed's plot_losses shows:
// two series with one point per record, y linear in the loss (higher loss drawn higher),
// x increasing with steps, a top axis labelled "Tokens seen" whose ticks sit where those
// token counts were reached, and the legend.
import { describe, expect, it } from 'vitest';
import { allElements, parseXml, textOf, type XmlElement } from '../../test/xml.js';
import { formatCompactCount, lossCurveSvg, niceTicks } from './loss-curve.js';

const train = Array.from({ length: 40 }, (_, i) => ({
  step: i + 1,
  loss: 3.6 * Math.exp(-i / 12) + 0.5 + 0.05 * Math.sin(i),
  tokens: (i + 1) * 10_240,
}));
const val = [10, 20, 30, 40].map((step) => ({
  step,
  loss: 3.6 * Math.exp(-(step - 1) / 12) + 0.6,
  tokens: step * 10_240,
}));

function points(el: XmlElement): [number, number][] {
  return el.attributes.points!.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
}

describe('lossCurveSvg', () => {
  const svg = lossCurveSvg({ train, val }, { title: 'Loss <toy> & "grammar"' });
  const root = parseXml(svg);
  const elements = allElements(root);

  it('is a well-formed standalone SVG document', () => {
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(elements.find((e) => e.name === 'title')!.text).toBe('Loss <toy> & "grammar"');
  });

  it('draws both series, one vertex per record, with y linear in the loss', () => {
    const series = elements.filter((e) => e.name === 'polyline' && e.attributes.class === 'series');
    expect(series.map((s) => s.attributes['data-series'])).toEqual(['train', 'val']);
    const [trainLine, valLine] = series as [XmlElement, XmlElement];
    expect(valLine.attributes['stroke-dasharray']).toBeDefined(); // dash-dot, as the seed's "-."
    const tp = points(trainLine);
    expect(tp).toHaveLength(train.length);
    expect(points(valLine)).toHaveLength(val.length);
    // x grows with the step; y is an affine, decreasing function of the loss.
    for (let i = 1; i < tp.length; i++) expect(tp[i]![0]).toBeGreaterThan(tp[i - 1]![0]);
    const slope = (tp[39]![1] - tp[0]![1]) / (train[39]!.loss - train[0]!.loss);
    expect(slope).toBeLessThan(0);
    tp.forEach(([, y], i) => {
      expect(y).toBeCloseTo(tp[0]![1] + slope * (train[i]!.loss - train[0]!.loss), 1);
    });
    // The val point at step 20 sits at the same x as the train point at step 20.
    expect(points(valLine)[1]![0]).toBeCloseTo(tp[19]![0], 5);
  });

  it('labels the axes and the legend, with a secondary tokens-seen axis on top', () => {
    const labels = elements.filter((e) => e.attributes.class === 'axis-label').map(textOf);
    expect(labels.sort()).toEqual(['Loss', 'Steps', 'Tokens seen']);
    const legend = elements.find((e) => e.attributes.class === 'legend')!;
    expect(
      allElements(legend)
        .filter((e) => e.name === 'text')
        .map(textOf),
    ).toEqual(['Training loss', 'Validation loss']);
    // Each top tick is placed where the train records reached that many tokens (10,240 per step).
    const tp = points(elements.find((e) => e.attributes['data-series'] === 'train')!);
    const xOfStep = (s: number) => tp[0]![0] + ((s - 1) / 39) * (tp[39]![0] - tp[0]![0]);
    const ticks = elements.filter((e) => e.attributes['data-tokens'] !== undefined);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks) {
      const tokens = Number(tick.attributes['data-tokens']);
      expect(Number(tick.attributes.x)).toBeCloseTo(xOfStep(tokens / 10_240), 1);
      expect(textOf(tick)).toBe(formatCompactCount(tokens));
    }
  });

  it('works without validation data and rejects bad points by name', () => {
    const only = parseXml(lossCurveSvg({ train: train.slice(0, 1) }));
    expect(allElements(only).filter((e) => e.name === 'polyline')).toHaveLength(1);
    expect(() => lossCurveSvg({ train: [] })).toThrow(/train/);
    expect(() => lossCurveSvg({ train: [{ step: 1, loss: Number.NaN, tokens: 0 }] })).toThrow(
      /train\[0\]\.loss/,
    );
  });

  it('thins very long histories but keeps the last point', () => {
    const long = Array.from({ length: 5000 }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), tokens: i }));
    const line = allElements(parseXml(lossCurveSvg({ train: long }, { maxPoints: 100 }))).find(
      (e) => e.name === 'polyline',
    )!;
    expect(points(line)).toHaveLength(100);
  });
});

describe('axis helpers', () => {
  it('nice ticks and compact counts', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 5)).toEqual([20, 40, 60, 80]);
    expect(formatCompactCount(950)).toBe('950');
    expect(formatCompactCount(10_240)).toBe('10.2k');
    expect(formatCompactCount(2_500_000)).toBe('2.5M');
  });
});
