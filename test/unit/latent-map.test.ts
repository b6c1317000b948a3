// latentMap: the plane of the report's latent-space map, by principal
// components of the posterior means (checked against a known spread).
import { describe, expect, it } from 'vitest';
import { latentMap } from '../../lib/compare/metrics.js';

describe('latentMap', () => {
  it('finds the top two principal axes and the variance each explains', () => {
    // 3-d points: spread 3 along (1, 1, 0)/√2, 1 along z, nothing along (1, -1, 0).
    const n = 400;
    const data = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = 3 * Math.cos(i * 0.7),
        b = Math.sin(i * 1.3);
      data.set([a / Math.SQRT2 + 5, a / Math.SQRT2 - 2, b], i * 3);
    }
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    const map = latentMap({ dtype: 'float32', shape: [n, 3], data }, labels, 100);
    expect(map.axes).toBe('pca');
    expect(map.x).toHaveLength(100);
    expect(map.labels).toEqual(labels.slice(0, 100));
    const [e1, e2] = map.explained!;
    expect(e1 + e2).toBeCloseTo(1, 2);
    expect(e1).toBeGreaterThan(0.85);
    // The first axis is the a coordinate (up to sign), the second b.
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(map.x[i])).toBeCloseTo(Math.abs(3 * Math.cos(i * 0.7)), 1);
      expect(Math.abs(map.y[i])).toBeCloseTo(Math.abs(Math.sin(i * 1.3)), 1);
    }
  });

  it('a 2-d code is its own plane', () => {
    const map = latentMap({ dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, -3, 4]) }, [7, 8]);
    expect(map).toEqual({ axes: 'latent', x: [1, -3], y: [2, 4], labels: [7, 8] });
  });
});
