/**
 * Sample-rate conversion of call audio (a WAV file at any rate to the call's 48 kHz): band-limited
 * interpolation with a Hann-windowed sinc kernel. When the rate goes down, the kernel's cut-off
 * moves down with it (at RESAMPLE_CUTOFF of the lower Nyquist frequency), so nothing above the new
 * Nyquist frequency folds back as aliasing.
 */

/** Zero crossings of the kernel on each side (its length, in input samples at the lower rate). */
export const RESAMPLE_ZEROS = 16;
/** Cut-off, as a share of the lower of the two Nyquist frequencies. */
export const RESAMPLE_CUTOFF = 0.95;

/** `input` at `from` Hz, resampled to `to` Hz. */
export function resample(input: Float32Array, from: number, to: number): Float32Array {
  if (!(from > 0 && to > 0)) throw new RangeError('rates must be positive');
  if (from === to) return input.slice();
  const ratio = to / from;
  const length = Math.floor(input.length * ratio);
  const out = new Float32Array(length);
  // Kernel bandwidth in input samples: 1 when upsampling, the ratio when downsampling.
  const scale = Math.min(1, ratio) * RESAMPLE_CUTOFF;
  const half = Math.ceil(RESAMPLE_ZEROS / scale);
  for (let j = 0; j < length; j++) {
    const t = j / ratio;
    const centre = Math.floor(t);
    let sum = 0;
    let weights = 0;
    for (let i = centre - half + 1; i <= centre + half; i++) {
      if (i < 0 || i >= input.length) continue;
      const x = t - i;
      const w = scale * sinc(scale * x) * hann(x / (half + 1));
      sum += (input[i] as number) * w;
      weights += w;
    }
    // Normalised by the weights: no gain change near the ends.
    out[j] = weights > 0 ? sum / weights : 0;
  }
  return out;
}

const sinc = (x: number): number => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
/** Hann window over [-1, 1]. */
const hann = (x: number): number => (Math.abs(x) >= 1 ? 0 : 0.5 + 0.5 * Math.cos(Math.PI * x));
