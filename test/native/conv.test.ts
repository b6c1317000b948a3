// native/models/safe_conv.h: the convolution that stands in for libtorch's
// where its CPU kernel gives wrong input gradients (Debian 13's libtorch 2.6),
// and the im2col product the fault is measured against, both checked on every
// machine against a float64 conv2d.
import { describe, expect, it } from 'vitest';
import { native } from '../../lib/native.js';
import { GentorchError } from '../../lib/errors.js';

const base = { inChannels: 32, kernel: 3, padding: 1, seed: 7 };

describe('CPU convolution workaround (SafeConv2d)', () => {
  for (const outChannels of [1, 3, 8, 16]) {
    for (const path of ['im2col', 'padded', 'module'] as const) {
      it(`${path}: ${base.inChannels} -> ${outChannels} channels, 3x3, stride 1 matches float64 conv2d`, () => {
        const e = native().convCheck({ ...base, path, outChannels, stride: 1 });
        expect(e.forward).toBeLessThan(1e-4);
        expect(e.gradInput).toBeLessThan(1e-4);
        expect(e.gradWeight).toBeLessThan(1e-3);
        expect(e.gradBias).toBeLessThan(1e-3);
      });
    }
  }

  for (const path of ['im2col', 'padded', 'module'] as const) {
    it(`${path}: stride 2, a 4x4 kernel, one input channel (a GAN critic's first layer) match float64 conv2d`, () => {
      for (const inChannels of [1, 32]) {
        const e = native().convCheck({ ...base, path, inChannels, outChannels: 8, kernel: 4, stride: 2 });
        for (const v of Object.values(e)) expect(v).toBeLessThan(1e-3);
      }
    });
  }

  for (const path of ['matmul', 'module'] as const) {
    it(`${path}: a kernel covering its 4x4 input (a critic's last layer) matches float64 conv2d`, () => {
      for (const outChannels of [1, 3]) {
        const e = native().convCheck({
          ...base,
          path,
          inChannels: 256,
          outChannels,
          kernel: 4,
          stride: 1,
          padding: 0,
          size: 4,
        });
        for (const v of Object.values(e)) expect(v).toBeLessThan(1e-3);
      }
    });
  }

  it("transpose: the generator's first layer (z as a 1x1 map, 4x4 kernel) matches float64 conv_transpose2d", () => {
    for (const [inChannels, outChannels] of [
      [100, 256],
      [110, 64],
    ]) {
      const e = native().convCheck({
        ...base,
        path: 'transpose',
        inChannels,
        outChannels,
        kernel: 4,
        stride: 1,
        padding: 0,
      });
      for (const v of Object.values(e)) expect(v).toBeLessThan(1e-3);
    }
  });

  it('matmul refuses a kernel that does not cover its input', () => {
    expect(() => native().convCheck({ ...base, path: 'matmul', outChannels: 1, stride: 1 })).toThrow(/cover/);
  });

  it("libtorch's own kernel is wrong exactly where the once-per-process probe says so", () => {
    const faulty = native().runtimeInfo().cpuConvGradFaulty;
    const own = native().convCheck({ ...base, path: 'libtorch', outChannels: 1, stride: 1 });
    // The probe and this check measure the same fault: libtorch is wrong here iff the probe said so.
    expect(!(own.gradInput < 1e-3)).toBe(faulty);
  });

  it('a bad path raises a GentorchError naming it', () => {
    expect(() => native().convCheck({ ...base, path: 'fft' as never, outChannels: 1, stride: 1 })).toThrow(
      GentorchError,
    );
    expect(() => native().convCheck({ ...base, path: 'fft' as never, outChannels: 1, stride: 1 })).toThrow(/fft/);
  });
});
