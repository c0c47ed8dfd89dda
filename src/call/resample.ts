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

/** Kernel phases precomputed at most (a ratio of small whole numbers has few: 16 to 48 kHz 1, 44.1 to 48 kHz 160). */
export const RESAMPLE_PHASES_MAX = 4_096;

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
  const weight = (x: number): number => scale * sinc(scale * x) * hann(x / (half + 1));
  // Whole-number rates: output j falls at input j * step / phases, so the kernel's offsets repeat
  // every `phases` outputs and are worked out once (the trigonometry is most of the cost).
  const g = Number.isInteger(from) && Number.isInteger(to) ? gcd(from, to) : 0;
  const phases = g > 0 ? to / g : 0;
  const step = g > 0 ? from / g : 0;
  const table = phases > 0 && phases <= RESAMPLE_PHASES_MAX ? new Float64Array(phases * 2 * half) : null;
  if (table) for (let p = 0; p < phases; p++) for (let k = 0; k < 2 * half; k++) table[p * 2 * half + k] = weight(p / phases + half - 1 - k);
  for (let j = 0; j < length; j++) {
    const centre = table ? Math.floor((j * step) / phases) : Math.floor(j / ratio);
    const phase = table ? (j * step) % phases : 0;
    const t = j / ratio;
    let sum = 0;
    let weights = 0;
    for (let k = 0, i = centre - half + 1; i <= centre + half; i++, k++) {
      if (i < 0 || i >= input.length) continue;
      const w = table ? (table[phase * 2 * half + k] as number) : weight(t - i);
      sum += (input[i] as number) * w;
      weights += w;
    }
    // Normalised by the weights: no gain change near the ends.
    out[j] = weights > 0 ? sum / weights : 0;
  }
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const sinc = (x: number): number => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
/** Hann window over [-1, 1]. */
const hann = (x: number): number => (Math.abs(x) >= 1 ? 0 : 0.5 + 0.5 * Math.cos(Math.PI * x));
