/**
 * Trained priors: the probability and confidence every context starts each message with.
 * Messages are short, so an adaptive model that starts from 1/2 everywhere would learn little
 * before the message ends; starting from statistics of representative traffic is what makes short
 * messages small (the role a preset dictionary plays for deflate).
 *
 * Stored sparse: "PRI5", slot count (u32 BE), entry count (u32 BE), then per entry the slot's
 * distance from the previous entry (varint) and its probability as one byte in the logistic
 * domain. Unlisted slots start at 1/2, or, from `untrainedFrom` on, at 0 ("untrained": the
 * order-2 text region). Then the predictions:
 * table size (u32 BE), entry count (u32 BE), per entry the index distance (varint) and the
 * predicted symbol (varint); unlisted entries predict nothing. Last the text dictionary of the
 * match model: its length (u32 BE) and bytes.
 */

import { PROB_HALF, PROB_MAX, PROB_MIN } from './adaptive-table.js';
import { NO_PREDICTION } from './context.js';

const MAGIC = 'PRI5';
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

/** A full table of initial probabilities of a 0 bit, the predictions and the text dictionary. */
export interface ExpandedPriors {
  readonly probs: Uint16Array;
  readonly predictions: Int32Array;
  readonly textDictionary: Uint8Array;
}

function readVarint(buf: Buffer, at: { pos: number }): number {
  let v = 0;
  let shift = 1;
  for (;;) {
    const b = buf[at.pos++] as number;
    v += (b & 0x7f) * shift;
    if (b < 0x80) return v;
    shift *= 128;
  }
}

function writeVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function writeU32(out: number[], v: number, at = out.length): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** Expands stored priors into full tables of `slots` entries and `predSlots` predictions. */
export function expandPriors(stored: Uint8Array, slots: number, untrainedFrom: number, predSlots: number): ExpandedPriors {
  const probs = new Uint16Array(slots).fill(PROB_HALF, 0, untrainedFrom);
  const predictions = new Int32Array(predSlots).fill(NO_PREDICTION);
  if (stored.length === 0) return { probs, predictions, textDictionary: new Uint8Array(0) };
  const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 4) !== MAGIC || buf.readUInt32BE(4) !== slots) {
    throw new Error('priors do not match this model layout; retrain them (npm run train-priors)');
  }
  const at = { pos: HEADER_BYTES };
  let index = -1;
  for (let i = buf.readUInt32BE(8); i > 0; i--) {
    index += readVarint(buf, at);
    probs[index] = byteToProb(buf[at.pos++] as number);
  }
  if (buf.readUInt32BE(at.pos) !== predSlots) throw new Error('prediction table size does not match; retrain the priors');
  const predEntries = buf.readUInt32BE(at.pos + 4);
  at.pos += 8;
  index = -1;
  for (let i = 0; i < predEntries; i++) {
    index += readVarint(buf, at);
    predictions[index] = readVarint(buf, at);
  }
  const dictionaryBytes = buf.readUInt32BE(at.pos);
  const textDictionary = new Uint8Array(buf.subarray(at.pos + 4, at.pos + 4 + dictionaryBytes));
  return { probs, predictions, textDictionary };
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

/** Stores priors from bit counts, and the predictions (NO_PREDICTION where there is none). */
export function storePriors(zeros: Float64Array, ones: Float64Array, predictions: Int32Array, textDictionary: Uint8Array, o: PriorOptions): Uint8Array {
  const out: number[] = [];
  for (const c of MAGIC) out.push(c.charCodeAt(0));
  writeU32(out, zeros.length);
  const countAt = out.length;
  writeU32(out, 0);
  let entries = 0;
  let prev = -1;
  for (let i = 0; i < zeros.length; i++) {
    const n = (zeros[i] as number) + (ones[i] as number);
    if (n < (i >= o.untrainedFrom ? o.minSeenUntrained : o.minSeen)) continue;
    writeVarint(out, i - prev);
    prev = i;
    out.push(probToByte(((zeros[i] as number) + o.pseudoCount) / (n + 2 * o.pseudoCount)));
    entries++;
  }
  writeU32(out, entries, countAt);
  writeU32(out, predictions.length);
  const predAt = out.length;
  writeU32(out, 0);
  entries = 0;
  prev = -1;
  for (let i = 0; i < predictions.length; i++) {
    if (predictions[i] === NO_PREDICTION) continue;
    writeVarint(out, i - prev);
    writeVarint(out, predictions[i] as number);
    prev = i;
    entries++;
  }
  writeU32(out, entries, predAt);
  writeU32(out, textDictionary.length);
  for (const b of textDictionary) out.push(b);
  return Uint8Array.from(out);
}
