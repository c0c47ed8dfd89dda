/**
 * A preset dictionary for deflate, built from sample messages the way zstd's COVER builder does
 * (Liao, Petri, Moffat, Wirth: "Effective construction of relative Lempel-Ziv dictionaries",
 * WWW 2016):
 *
 * 1. Count, for every d-byte substring (d-mer), how many samples contain it.
 * 2. Cut the samples into as many epochs as the dictionary has k-byte segments; in each epoch pick
 *    the k-byte segment (inside one sample) whose distinct d-mers have the highest total count,
 *    then zero those d-mers' counts so later segments cover new material.
 * 3. Lay the segments out best-scored last: deflate codes near matches with fewer bits, and the
 *    end of the dictionary is nearest to the message.
 *
 * (k, d) are tuned on separate tuning messages (or a held-out fifth of the samples).
 */

import { deflateRawSync } from 'node:zlib';

/** The largest dictionary deflate can use: its 32 KiB window. */
export const DEFLATE_DICTIONARY_MAX_BYTES = 32 * 1024;
/** Segment lengths (k) and d-mer lengths (d) tried (16 and 128 bytes, 8-byte d-mers never won on the corpus). */
const SEGMENT_BYTES_CHOICES = [32, 64] as const;
const DMER_BYTES_CHOICES = [4, 6] as const;
/** d-mer hash table: 2^22 slots, few collisions for the few million bytes of a training set. */
const DMER_TABLE_BITS = 22;
const DMER_TABLE_SIZE = 1 << DMER_TABLE_BITS;
/** Passes over the samples at most; later passes only fill what earlier ones left. */
const COVER_PASSES_MAX = 4;

/** Options of `buildDictionary`. */
export interface DictionaryOptions {
  /** Dictionary size limit, bytes (at most 32 KiB). */
  readonly maxBytes?: number;
  /** Fixes the segment length instead of tuning it. */
  readonly segmentBytes?: number;
  /** Fixes the d-mer length instead of tuning it. */
  readonly dmerBytes?: number;
  /**
   * Messages to tune (k, d) on: each choice is built from all samples and scored by the deflated
   * size of these. Without them, a fifth of the samples is held out for tuning.
   */
  readonly tuningSamples?: readonly Uint8Array[];
}

/** A deflate preset dictionary from sample messages (e.g. plain encodings of a training corpus). */
export function buildDictionary(samples: readonly Uint8Array[], options: DictionaryOptions = {}): Uint8Array {
  const maxBytes = Math.min(options.maxBytes ?? DEFLATE_DICTIONARY_MAX_BYTES, DEFLATE_DICTIONARY_MAX_BYTES);
  const ks = options.segmentBytes !== undefined ? [options.segmentBytes] : SEGMENT_BYTES_CHOICES;
  const ds = options.dmerBytes !== undefined ? [options.dmerBytes] : DMER_BYTES_CHOICES;
  if (ks.length === 1 && ds.length === 1) return cover(samples, maxBytes, ks[0] as number, ds[0] as number);
  const heldOut = options.tuningSamples === undefined;
  const train = heldOut ? samples.filter((_, i) => i % 5 !== 4) : samples;
  const test = options.tuningSamples ?? samples.filter((_, i) => i % 5 === 4);
  let best: { size: number; k: number; d: number; dictionary: Uint8Array } = { size: Infinity, k: 0, d: 0, dictionary: new Uint8Array(0) };
  for (const k of ks) {
    for (const d of ds) {
      if (d > k) continue;
      const dictionary = cover(train, maxBytes, k, d);
      const size = test.reduce((sum, s) => sum + deflateRawSync(s, { level: 9, dictionary }).length, 0);
      if (size < best.size) best = { size, k, d, dictionary };
    }
  }
  return heldOut ? cover(samples, maxBytes, best.k, best.d) : best.dictionary;
}

/** One COVER pass with segment length k and d-mer length d. */
function cover(samples: readonly Uint8Array[], maxBytes: number, k: number, d: number): Uint8Array {
  const counts = dmerSampleCounts(samples, d);
  const inWindow = new Uint16Array(DMER_TABLE_SIZE);
  const total = samples.reduce((n, s) => n + s.length, 0);
  const epochs = Math.max(1, Math.floor(maxBytes / k));
  const epochBytes = Math.max(k, Math.floor(total / epochs));
  const chosen: Segment[] = [];
  const seen = new Set<string>();
  let size = 0;
  // Walk the concatenated samples epoch by epoch; a segment never spans two samples. Passes
  // repeat (with the covered d-mers zeroed) while the dictionary has room and they find material.
  for (let pass = 0; pass < COVER_PASSES_MAX && size < maxBytes; pass++) {
    const before = size;
    let sample = 0;
    let offset = 0;
    while (sample < samples.length && size < maxBytes) {
      let budget = epochBytes;
      let best: Segment | null = null;
      while (budget > 0 && sample < samples.length) {
        const s = samples[sample] as Uint8Array;
        const end = Math.min(s.length, offset + budget);
        const candidate = bestSegment(s, offset, end, k, d, counts, inWindow);
        if (candidate && (!best || candidate.score > best.score)) best = candidate;
        budget -= end - offset;
        offset = end;
        if (offset >= s.length) {
          sample++;
          offset = 0;
        }
      }
      if (!best || best.score <= 0) continue;
      for (let i = 0; i + d <= k; i++) counts[dmerSlot(best.bytes, i, d)] = 0;
      const key = Buffer.from(best.bytes).toString('latin1');
      if (seen.has(key)) continue;
      seen.add(key);
      chosen.push(best);
      size += best.bytes.length;
    }
    if (size === before) break;
  }
  chosen.sort((a, b) => a.score - b.score);
  const out = new Uint8Array(Math.min(size, maxBytes));
  // Best last; if over the limit, the weakest (first) segments are the ones cut.
  let at = out.length;
  for (let i = chosen.length - 1; i >= 0 && at > 0; i--) {
    const bytes = (chosen[i] as Segment).bytes;
    const take = Math.min(bytes.length, at);
    out.set(bytes.subarray(bytes.length - take), at - take);
    at -= take;
  }
  return out;
}

/** A candidate dictionary segment and its score. */
interface Segment {
  readonly bytes: Uint8Array;
  readonly score: number;
}

/**
 * The k-byte segment starting in [from, to) of one sample with the highest score (sum of the
 * counts of its distinct d-mers, counting only d-mers seen in at least two samples), by a sliding
 * window. `inWindow` is scratch space, all zero on entry and on return.
 */
function bestSegment(s: Uint8Array, from: number, to: number, k: number, d: number, counts: Uint32Array, inWindow: Uint16Array): Segment | null {
  const lastStart = Math.min(to, s.length - k + 1);
  if (lastStart <= from) return null;
  let score = 0;
  const add = (slot: number): void => {
    const n = inWindow[slot] as number;
    inWindow[slot] = n + 1;
    if (n === 0) score += useful(counts[slot] as number);
  };
  const remove = (slot: number): void => {
    const n = (inWindow[slot] as number) - 1;
    inWindow[slot] = n;
    if (n === 0) score -= useful(counts[slot] as number);
  };
  for (let i = from; i + d <= from + k; i++) add(dmerSlot(s, i, d));
  let bestScore = score;
  let bestStart = from;
  for (let start = from + 1; start < lastStart; start++) {
    remove(dmerSlot(s, start - 1, d));
    add(dmerSlot(s, start + k - d, d));
    if (score > bestScore) {
      bestScore = score;
      bestStart = start;
    }
  }
  for (let i = lastStart - 1; i + d <= lastStart - 1 + k; i++) remove(dmerSlot(s, i, d));
  return { bytes: s.slice(bestStart, bestStart + k), score: bestScore };
}

/** A d-mer seen in one sample only teaches nothing about the next message. */
function useful(sampleCount: number): number {
  return sampleCount >= 2 ? sampleCount : 0;
}

/** For every d-mer slot, the number of samples that contain it. */
function dmerSampleCounts(samples: readonly Uint8Array[], d: number): Uint32Array {
  const counts = new Uint32Array(DMER_TABLE_SIZE);
  // The last sample that counted each slot (+1), so a d-mer counts once per sample.
  const lastSample = new Uint32Array(DMER_TABLE_SIZE);
  samples.forEach((s, n) => {
    for (let i = 0; i + d <= s.length; i++) {
      const slot = dmerSlot(s, i, d);
      if (lastSample[slot] !== n + 1) {
        lastSample[slot] = n + 1;
        counts[slot] = (counts[slot] as number) + 1;
      }
    }
  });
  return counts;
}

/**
 * The table slot of the d-mer at s[i..i+d): a 32-bit FNV-1a hash cut to DMER_TABLE_BITS. Two
 * d-mers sharing a slot only blur each other's counts, as in zstd's builder.
 */
function dmerSlot(s: Uint8Array, i: number, d: number): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < d; j++) h = Math.imul(h ^ (s[i + j] as number), 0x01000193);
  return h >>> (32 - DMER_TABLE_BITS);
}
