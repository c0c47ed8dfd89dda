/**
 * Trained priors: the probability every context starts each message with. Messages are short,
 * so an adaptive model that starts from 1/2 everywhere would learn little before the message
 * ends; starting from probabilities trained on representative traffic is what makes short
 * messages small (the role a preset dictionary plays for deflate).
 *
 * Stored sparse: "PRI1", slot count (u32 BE), entry count (u32 BE), then per entry the slot's
 * distance from the previous entry (varint) and its probability as one byte in the logistic
 * domain. Slots not listed start at 1/2.
 */

import { PROB_HALF } from './range-coder.js';

const MAGIC = 'PRI1';
/** Logit range that one byte covers: probabilities from about 1/3000 to 2999/3000. */
const LOGIT_MAX = 8;

function byteToProb(q: number): number {
  const logit = (q / 255) * 2 * LOGIT_MAX - LOGIT_MAX;
  const p = 1 / (1 + Math.exp(-logit));
  return Math.min(65505, Math.max(31, Math.round(p * 65536)));
}

function probToByte(p: number): number {
  const x = Math.min(1 - 1e-9, Math.max(1e-9, p));
  const logit = Math.log(x / (1 - x));
  return Math.max(0, Math.min(255, Math.round(((logit + LOGIT_MAX) / (2 * LOGIT_MAX)) * 255)));
}

/** Expands stored priors into a full table of `slots` 16-bit probabilities of a 0 bit. */
export function expandPriors(stored: Uint8Array, slots: number): Uint16Array {
  const table = new Uint16Array(slots).fill(PROB_HALF);
  if (stored.length === 0) return table;
  const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (buf.toString('latin1', 0, 4) !== MAGIC || buf.readUInt32BE(4) !== slots) {
    throw new Error('priors do not match this model layout; retrain them (npm run train-priors)');
  }
  const count = buf.readUInt32BE(8);
  let pos = 12;
  let index = -1;
  for (let i = 0; i < count; i++) {
    let delta = 0;
    let shift = 1;
    for (;;) {
      const b = buf[pos++] as number;
      delta += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
    }
    index += delta;
    table[index] = byteToProb(buf[pos++] as number);
  }
  return table;
}

/**
 * Stores priors from bit counts: for every slot seen at least `minSeen` times, P(0) estimated
 * as (zeros + 0.4) / (seen + 0.8) (a Krichevsky-Trofimov-like estimate, a little more cautious).
 */
export function storePriors(zeros: Float64Array, ones: Float64Array, minSeen = 2): Uint8Array {
  const entries: [number, number][] = [];
  for (let i = 0; i < zeros.length; i++) {
    const n = (zeros[i] as number) + (ones[i] as number);
    if (n < minSeen) continue;
    const q = probToByte(((zeros[i] as number) + 0.4) / (n + 0.8));
    if (byteToProb(q) === PROB_HALF || q === probToByte(0.5)) continue;
    entries.push([i, q]);
  }
  const out: number[] = [];
  for (const c of MAGIC) out.push(c.charCodeAt(0));
  const u32 = (v: number): void => {
    out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  };
  u32(zeros.length);
  u32(entries.length);
  let prev = -1;
  for (const [i, q] of entries) {
    let delta = i - prev;
    prev = i;
    while (delta >= 0x80) {
      out.push((delta & 0x7f) | 0x80);
      delta = Math.floor(delta / 128);
    }
    out.push(delta, q);
  }
  return Uint8Array.from(out);
}
