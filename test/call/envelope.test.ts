import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compareAudio } from '../../src/call/envelope.js';

const RATE = 48_000;

/** Speech-like audio, seeded: bursts of noise (100-400 ms, various levels) between pauses (50-300 ms). */
function bursts(seconds: number, seed: number): Int16Array {
  let x = seed >>> 0 || 1;
  const rand = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const out = new Int16Array(seconds * RATE);
  for (let i = 0; i < out.length; ) {
    const burst = Math.round((0.1 + 0.3 * rand()) * RATE);
    const level = 2000 + 18000 * rand();
    for (let j = 0; j < burst && i < out.length; j++, i++) out[i] = Math.round((rand() * 2 - 1) * level);
    i += Math.round((0.05 + 0.25 * rand()) * RATE);
  }
  return out;
}

const delayed = (s: Int16Array, ms: number): Int16Array => {
  const out = new Int16Array(s.length + (ms * RATE) / 1000);
  out.set(s, (ms * RATE) / 1000);
  return out;
};

/** `s` with `ms` of its audio cut out at `atS` seconds (a jitter buffer shortening a pause), or silence put in (stretching). */
const warped = (s: Int16Array, atS: number, ms: number): Int16Array => {
  const at = atS * RATE;
  const n = Math.abs((ms * RATE) / 1000);
  if (ms < 0) return Int16Array.from([...s.subarray(0, at), ...s.subarray(at + n)]);
  return Int16Array.from([...s.subarray(0, at), ...new Int16Array(n), ...s.subarray(at)]);
};

test('envelope comparison: the same audio later correlates fully, at its delay', () => {
  const sent = bursts(8, 1);
  const same = compareAudio(sent, sent, RATE);
  assert.ok(same.correlation > 0.999, String(same.correlation));
  assert.equal(same.delayMs, 0);
  const later = compareAudio(sent, delayed(sent, 250), RATE);
  assert.ok(later.correlation > 0.999, String(later.correlation));
  assert.equal(later.delayMs, 250);
});

test('envelope comparison: a delay that changes during the call (pauses shortened or stretched) is followed segment by segment', () => {
  const sent = bursts(10, 2);
  // 60 ms cut at 3 s, then 80 ms of silence put in at 7 s: the delay moves by -60 ms, then +80 ms.
  const received = delayed(warped(warped(sent, 7, 80), 3, -60), 200);
  const c = compareAudio(sent, received, RATE);
  assert.ok(c.correlation > 0.95, `correlation ${c.correlation}`);
  assert.ok(c.delayRangeMs[1] - c.delayRangeMs[0] >= 60, `the segments' delays spread: ${c.delayRangeMs.join('..')}`);
});

test('envelope comparison: other audio, or silence, does not correlate; a recording that stops early says how much it covers', () => {
  const sent = bursts(10, 3);
  const others = Array.from({ length: 12 }, (_, i) => compareAudio(sent, bursts(10, 100 + i), RATE).correlation).sort((x, y) => x - y);
  assert.ok((others.at(-1) as number) < 0.6 && (others[6] as number) < 0.45, `other audio: ${others.map((c) => c.toFixed(2)).join(' ')}`);
  // A short piece of other audio cannot be slid to where a few windows happen to agree.
  const short = compareAudio(sent, bursts(1, 5), RATE);
  assert.ok(short.correlation < 0.6, `one second of other audio: ${short.correlation}`);
  const silence = compareAudio(sent, new Int16Array(sent.length), RATE);
  assert.ok(silence.correlation <= 0, `silence: ${silence.correlation}`);
  // Half of it lost to silence (a connection that died mid-call; the recording goes on) falls well short of the call tests' 0.8.
  const half = Int16Array.from(sent);
  half.fill(0, half.length / 2);
  const cut = compareAudio(sent, half, RATE);
  assert.ok(cut.correlation < 0.8, `half silent: ${cut.correlation}`);
  // A recording that stops half-way matches where it has audio, and covers half.
  const stopped = compareAudio(sent, sent.subarray(0, sent.length / 2), RATE);
  assert.ok(stopped.correlation > 0.99 && Math.abs(stopped.coverage - 0.5) < 0.03, JSON.stringify(stopped));
  assert.ok(compareAudio(sent, sent, RATE).coverage > 0.99);
});
