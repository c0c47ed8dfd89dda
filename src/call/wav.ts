/**
 * WAV files for calls without a sound card: read any RIFF/WAVE file of integer PCM (8, 16, 24 or
 * 32 bits) or 32-bit float, any rate and channel count, as mono at 48 kHz (channels averaged,
 * resampled: resample.ts); write mono 16-bit PCM. The reader is total: a file it cannot read is a
 * WavError with the reason, never a throw of anything else.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { resample } from './resample.js';

/** Bounds of what a call reads: rates, channels, and length (an hour at 48 kHz). */
export const WAV_RATE_MIN = 8_000;
export const WAV_RATE_MAX = 192_000;
export const WAV_CHANNELS_MAX = 8;
export const WAV_SECONDS_MAX = 3_600;

export class WavError extends Error {
  override readonly name = 'WavError';
  constructor(
    readonly code: 'NOT_WAV' | 'UNSUPPORTED' | 'TOO_LONG' | 'UNREADABLE',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Audio as floats in [-1, 1] at a rate. */
export interface Pcm {
  readonly rate: number;
  readonly samples: Float32Array;
}

/** Parses WAV bytes to mono floats at the file's rate. */
export function parseWav(bytes: Uint8Array): Pcm {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 12 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') throw new WavError('NOT_WAV', 'not a RIFF/WAVE file');
  let format: { tag: number; channels: number; rate: number; bits: number } | null = null;
  let data: Buffer | null = null;
  for (let at = 12; at + 8 <= b.length; ) {
    const id = b.toString('latin1', at, at + 4);
    // A streamed file may say its data runs to 0xffffffff: it runs to the end.
    const size = Math.min(b.readUInt32LE(at + 4), b.length - at - 8);
    const body = b.subarray(at + 8, at + 8 + size);
    if (id === 'fmt ' && size >= 16) {
      let tag = body.readUInt16LE(0);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes.
      if (tag === 0xfffe && size >= 26) tag = body.readUInt16LE(24);
      format = { tag, channels: body.readUInt16LE(2), rate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    } else if (id === 'data') {
      data = body;
      break;
    }
    at += 8 + size + (size & 1);
  }
  if (!format) throw new WavError('NOT_WAV', 'no fmt chunk');
  if (!data) throw new WavError('NOT_WAV', 'no data chunk');
  const { tag, channels, rate, bits } = format;
  const pcm = tag === 1 && [8, 16, 24, 32].includes(bits);
  const float = tag === 3 && bits === 32;
  if (!pcm && !float) throw new WavError('UNSUPPORTED', `format ${tag} with ${bits} bits (integer PCM or 32-bit float only)`);
  if (channels < 1 || channels > WAV_CHANNELS_MAX) throw new WavError('UNSUPPORTED', `${channels} channels`);
  if (rate < WAV_RATE_MIN || rate > WAV_RATE_MAX) throw new WavError('UNSUPPORTED', `a rate of ${rate} Hz (${WAV_RATE_MIN}-${WAV_RATE_MAX})`);
  const width = bits / 8;
  const frames = Math.floor(data.length / (width * channels));
  if (frames > rate * WAV_SECONDS_MAX) throw new WavError('TOO_LONG', `${Math.round(frames / rate)} s (at most ${WAV_SECONDS_MAX})`);
  const read = (o: number): number => {
    if (float) return data.readFloatLE(o);
    if (bits === 8) return (data.readUInt8(o) - 128) / 128;
    if (bits === 16) return data.readInt16LE(o) / 32768;
    if (bits === 24) return data.readIntLE(o, 3) / 8388608;
    return data.readInt32LE(o) / 2147483648;
  };
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read((i * channels + c) * width);
    samples[i] = Math.max(-1, Math.min(1, sum / channels));
  }
  return { rate, samples };
}

/** A WAV file as 48 kHz mono 16-bit samples (resampled from its rate). */
export function readWav48k(path: string): Int16Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new WavError('UNREADABLE', `${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const { rate, samples } = parseWav(bytes);
  return toInt16(resample(samples, rate, 48_000));
}

/** Floats in [-1, 1] to 16-bit samples. */
export function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round((samples[i] as number) * 32767)));
  return out;
}

/** 16-bit mono samples as WAV bytes. */
export function encodeWav(samples: Int16Array, rate: number): Uint8Array {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] as number, 44 + i * 2);
  return out;
}

/** Writes 16-bit mono samples to a WAV file. */
export function writeWav(path: string, samples: Int16Array, rate: number): void {
  writeFileSync(path, encodeWav(samples, rate));
}
