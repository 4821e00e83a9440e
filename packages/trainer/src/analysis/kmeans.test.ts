// k-means on data whose clustering is known by construction, plus the objective's
// definition checked directly (inertia = Σ squared distance to the assigned centroid,
// each centroid the mean of its points, each point nearest its own centroid).
import { describe, expect, it } from 'vitest';
import { kmeans } from './kmeans.js';

/** Three tight blobs far apart, points interleaved so the order gives nothing away. */
const centers = [
  [0, 0],
  [10, 10],
  [-10, 8],
];
const offsets = [
  [0.1, -0.2],
  [-0.3, 0.1],
  [0.2, 0.3],
  [0, 0.05],
];
const points = offsets.flatMap((o) => centers.map((c) => [c[0]! + o[0]!, c[1]! + o[1]!]));

describe('kmeans', () => {
  it('recovers well-separated blobs', () => {
    const r = kmeans(points, { k: 3, seed: 0 });
    // Points i and j share a label exactly when they come from the same center (i ≡ j mod 3).
    points.forEach((_, i) => {
      points.forEach((__, j) => {
        expect(r.labels[i] === r.labels[j]).toBe(i % 3 === j % 3);
      });
    });
  });

  it('returns a fixed point of Lloyd’s algorithm with the stated inertia', () => {
    const r = kmeans(points, { k: 4, seed: 3 });
    let inertia = 0;
    r.centroids.forEach((c, j) => {
      const members = points.filter((_, i) => r.labels[i] === j);
      if (members.length === 0) return;
      const mean = [0, 1].map((d) => members.reduce((s, p) => s + p[d]!, 0) / members.length);
      expect(c[0]).toBeCloseTo(mean[0]!, 10);
      expect(c[1]).toBeCloseTo(mean[1]!, 10);
    });
    points.forEach((p, i) => {
      const d = r.centroids.map((c) => (p[0]! - c[0]!) ** 2 + (p[1]! - c[1]!) ** 2);
      expect(d[r.labels[i]!]).toBeCloseTo(Math.min(...d), 10);
      inertia += d[r.labels[i]!]!;
    });
    expect(r.inertia).toBeCloseTo(inertia, 10);
  });

  it('is deterministic for a seed and validates input', () => {
    expect(kmeans(points, { k: 2, seed: 5 })).toEqual(kmeans(points, { k: 2, seed: 5 }));
    expect(() => kmeans(points, { k: 0 })).toThrow(/k/);
    expect(() => kmeans([[1], [2]], { k: 3 })).toThrow(/larger than the number of points/);
    expect(() => kmeans([[1, 2], [3]], { k: 1 })).toThrow(/row 1/);
  });
});
