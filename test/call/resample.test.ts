import assert from 'node:assert/strict';
import { test } from 'node:test';

import { resample } from '../../src/call/resample.js';

const tone = (hz: number, rate: number, seconds: number): Float32Array => Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));
/** RMS of a - b over the middle (the ends have half a kernel of input). */
const rmsError = (a: Float32Array, b: Float32Array): number => {
  let sum = 0;
  const from = Math.floor(a.length / 10);
  const to = Math.floor((a.length * 9) / 10);
  for (let i = from; i < to; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(sum / (to - from));
};
const rms = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

test('resampling to 48 kHz from whole-number rates (tabled kernel) and from any rate gives the same tone', () => {
  for (const from of [8_000, 16_000, 22_050, 44_100, 12_345.5]) {
    const input = tone(1_000, from, 1);
    const out = resample(input, from, 48_000);
    assert.equal(out.length, Math.floor(input.length * (48_000 / from)));
    const error = rmsError(out, tone(1_000, 48_000, 1));
    assert.ok(error < 1e-3, `${from} Hz: RMS error ${error}`);
  }
});

test('resampling down keeps what fits below the new Nyquist frequency and removes what would alias', () => {
  const kept = resample(tone(1_000, 48_000, 1), 48_000, 16_000);
  assert.ok(rmsError(kept, tone(1_000, 16_000, 1)) < 1e-3);
  // 10 kHz does not exist at 16 kHz (it would fold to 6 kHz): at least 40 dB down.
  const folded = resample(tone(10_000, 48_000, 1), 48_000, 16_000);
  assert.ok(rms(folded.subarray(1_600, 14_400)) < 0.5 * Math.SQRT1_2 * 0.01, `10 kHz left at RMS ${rms(folded)}`);
});
