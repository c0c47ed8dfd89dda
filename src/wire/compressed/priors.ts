/**
 * Trained priors: the probability and confidence every context starts each message with.
 * Messages are short, so an adaptive model that starts from 1/2 everywhere would learn little
 * before the message ends; starting from statistics of representative traffic is what makes short
 * messages small (the role a preset dictionary plays for deflate).
 *
 * Stored sparse: "PRI2", slot count (u32 BE), entry count (u32 BE), then per entry the slot's
 * distance from the previous entry (varint), its probability as one byte in the logistic domain,
 * and how often training saw it (one byte, saturating). Unlisted slots start at 1/2 with count 0,
 * or, from `untrainedFrom` on, at 0 ("untrained": the order-2 text region).
 */

import { ADAPT_COUNT_MAX, PROB_HALF, PROB_MAX, PROB_MIN } from './adaptive-table.js';

const MAGIC = 'PRI2';
const HEADER_BYTES = 12;
/** Logit range that one byte covers: probabilities from about 1/3000 to 2999/3000. */
const LOGIT_MAX = 8;

function byteToProb(q: number): number {
  const logit = (q / 255) * 2 * LOGIT_MAX - LOGIT_MAX;
  const p = 1 / (1 + Math.exp(-logit));
  return Math.min(PROB_MAX, Math.max(PROB_MIN, Math.round(p * 0x10000)));
}

function probToByte(p: number): number {
  const x = Math.min(1 - 1e-9, Math.max(1e-9, p));
  const logit = Math.log(x / (1 - x));
  return Math.max(0, Math.min(255, Math.round(((logit + LOGIT_MAX) / (2 * LOGIT_MAX)) * 255)));
}

/** A full table of initial probabilities of a 0 bit and confidence counts. */
export interface ExpandedPriors {
  readonly probs: Uint16Array;
  readonly counts: Uint8Array;
}

/** Expands stored priors into full tables of `slots` entries. */
export function expandPriors(stored: Uint8Array, slots: number, untrainedFrom = slots): ExpandedPriors {
  const probs = new Uint16Array(slots).fill(PROB_HALF, 0, untrainedFrom);
  const counts = new Uint8Array(slots);
  if (stored.length === 0) return { probs, counts };
  const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 4) !== MAGIC || buf.readUInt32BE(4) !== slots) {
    throw new Error('priors do not match this model layout; retrain them (npm run train-priors)');
  }
  const entries = buf.readUInt32BE(8);
  let pos = HEADER_BYTES;
  let index = -1;
  for (let i = 0; i < entries; i++) {
    let delta = 0;
    let shift = 1;
    for (;;) {
      const b = buf[pos++] as number;
      delta += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
    }
    index += delta;
    probs[index] = byteToProb(buf[pos++] as number);
    counts[index] = Math.min(ADAPT_COUNT_MAX, buf[pos++] as number);
  }
  return { probs, counts };
}

/** How the trainer turns bit counts into priors. */
export interface PriorOptions {
  /** Least times a slot must be seen to be stored. */
  readonly minSeen: number;
  /** Least times an order-2 text slot (from `untrainedFrom`) must be seen to be stored. */
  readonly minSeenUntrained: number;
  /** Pseudo-count a of the estimate (zeros + a) / (seen + 2a): shrinks rare contexts towards 1/2. */
  readonly pseudoCount: number;
  /** First slot of the region whose unstored slots are "untrained". */
  readonly untrainedFrom: number;
}

/** Stores priors from bit counts. */
export function storePriors(zeros: Float64Array, ones: Float64Array, o: PriorOptions): Uint8Array {
  const out: number[] = [];
  for (const c of MAGIC) out.push(c.charCodeAt(0));
  const u32 = (v: number): void => {
    out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  };
  u32(zeros.length);
  const countAt = out.length;
  u32(0);
  let entries = 0;
  let prev = -1;
  for (let i = 0; i < zeros.length; i++) {
    const n = (zeros[i] as number) + (ones[i] as number);
    const untrainedRegion = i >= o.untrainedFrom;
    if (n < (untrainedRegion ? o.minSeenUntrained : o.minSeen)) continue;
    const q = probToByte(((zeros[i] as number) + o.pseudoCount) / (n + 2 * o.pseudoCount));
    let delta = i - prev;
    prev = i;
    while (delta >= 0x80) {
      out.push((delta & 0x7f) | 0x80);
      delta = Math.floor(delta / 128);
    }
    out.push(delta, q, Math.min(255, Math.round(n)));
    entries++;
  }
  out[countAt] = (entries >>> 24) & 0xff;
  out[countAt + 1] = (entries >>> 16) & 0xff;
  out[countAt + 2] = (entries >>> 8) & 0xff;
  out[countAt + 3] = entries & 0xff;
  return Uint8Array.from(out);
}
