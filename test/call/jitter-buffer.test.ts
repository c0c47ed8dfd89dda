import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FRAME_MS, JITTER_ADAPT_STEP_MS, JITTER_MIN_MS, JitterBuffer, SAMPLES_PER_MS, type PlayOut } from '../../src/call/jitter-buffer.js';
import { Prng } from '../../src/util/prng.js';

/** Sends `count` frames (20 ms apart, from seq `first`) over a link with `delay(i)` (null: lost), plays every 20 ms, and returns what was played. */
function run(count: number, delay: (i: number) => number | null, first = 0, buffer = new JitterBuffer()): { played: PlayOut[]; buffer: JitterBuffer } {
  const arrivals = Array.from({ length: count }, (_, i) => ({ i, at: i * FRAME_MS + (delay(i) ?? NaN) })).filter((a) => !Number.isNaN(a.at)).sort((a, b) => a.at - b.at);
  const played: PlayOut[] = [];
  let k = 0;
  // Until every frame has had its turn (the stream ends there).
  const turns = (): number => played.filter((p) => 'seq' in p).length + buffer.stats.skipped;
  for (let now = 0; turns() < count && now <= count * FRAME_MS + 2_000; now += 1) {
    while (k < arrivals.length && (arrivals[k] as { at: number }).at <= now) {
      const { i } = arrivals[k++] as { i: number };
      // Each frame carries a copy of the one before (media-stream.ts).
      buffer.push({ seq: (first + i) & 0xffff, timestamp: (i * FRAME_MS * SAMPLES_PER_MS) >>> 0, payload: Uint8Array.of(i & 0xff), ...(i > 0 ? { redundant: Uint8Array.of((i - 1) & 0xff) } : {}) }, now);
    }
    // The player's clock ticks every frame period.
    if (now % FRAME_MS === 0) {
      const out = buffer.pull(now);
      if (out.type !== 'wait') played.push(out);
    }
  }
  return { played, buffer };
}

test('a clean link: every frame plays once, in order, at the smallest delay', () => {
  const { played, buffer } = run(500, () => 40);
  assert.equal(played.length, 500);
  assert.ok(played.every((p, i) => p.type === 'frame' && p.seq === i));
  assert.equal(buffer.targetDelayMs, JITTER_MIN_MS);
  assert.deepEqual([buffer.stats.concealed, buffer.stats.late, buffer.stats.fecRecovered], [0, 0, 0]);
});

test('30 ms of jitter: the target grows to cover it; almost nothing is concealed or late', () => {
  const rng = new Prng(30);
  const { played, buffer } = run(1500, () => 40 + rng.float() * 30);
  assert.ok(buffer.targetDelayMs >= 40 && buffer.targetDelayMs <= 55, `target ${buffer.targetDelayMs} ms`);
  assert.ok(buffer.currentDelayMs > 30, `now playing ${buffer.currentDelayMs} ms behind`);
  const concealed = played.filter((p) => p.type !== 'frame').length;
  assert.ok(concealed < 1500 * 0.03, `${concealed} of 1500 not played from their own frame`);
  console.log(`jitter 30 ms: target ${buffer.targetDelayMs} ms, ${buffer.stats.late} late, ${buffer.stats.fecRecovered} by FEC, ${buffer.stats.concealed} concealed`);
});

test('5% loss: each lost frame is rebuilt from the copy the next one carries when that is here, concealed otherwise', () => {
  const rng = new Prng(5);
  const lost = new Set<number>();
  // The last frame arrives (a lost last frame would never be known to be lost).
  const { played, buffer } = run(1000, (i) => (i > 0 && i < 999 && rng.chance(0.05) ? (lost.add(i), null) : 40));
  assert.ok(lost.size > 20);
  const seqs = played.flatMap((p) => ('seq' in p ? [p.seq] : []));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
  assert.equal(new Set(seqs).size, seqs.length, 'each once');
  const received = seqs.filter((s) => !lost.has(s));
  assert.deepEqual(received, Array.from({ length: 1000 }, (_, i) => i).filter((i) => !lost.has(i)), 'every received frame played');
  // A lost frame followed by a received one is recovered from its copy; only runs of losses need concealment.
  for (const p of played) if (p.type === 'fec') assert.equal(p.payload[0], p.seq & 0xff, 'the copy of the lost frame itself');
  assert.equal(buffer.stats.fecRecovered + buffer.stats.concealed, lost.size, 'every lost frame counted once');
  assert.ok(buffer.stats.fecRecovered > buffer.stats.concealed * 4, `${buffer.stats.fecRecovered} recovered, ${buffer.stats.concealed} concealed`);
});

test('a pause in the sender\'s packets (DTX) plays as silence, not as loss; nothing buffered is a stretch, not a loss', () => {
  const b = new JitterBuffer();
  const frame = (seq: number, ms: number) => ({ seq, timestamp: ms * SAMPLES_PER_MS, payload: Uint8Array.of(seq) });
  b.push(frame(0, 0), 40);
  assert.equal(b.pull(60).type, 'frame');
  // Nothing for 100 ms (the sender is silent), then seq 1 at media time 120 ms.
  const outs: string[] = [];
  for (let now = 80; now <= 180; now += FRAME_MS) {
    if (now === 160) b.push(frame(1, 120), 160);
    outs.push(b.pull(now).type);
  }
  // The empty turns were the pause: the player, behind, skips that much of it, and plays seq 1 at its time (120 + 60 ms).
  assert.deepEqual(outs, ['empty', 'empty', 'empty', 'empty', 'silence', 'frame']);
  assert.equal(b.stats.skipped, 4);
  assert.deepEqual([b.stats.concealed, b.stats.fecRecovered, b.stats.empty], [0, 0, 4]);
});

test('sequence numbers wrap; duplicates and frames after their turn are counted and dropped', () => {
  const { played } = run(100, () => 40, 65_500);
  assert.deepEqual(
    played.map((p) => (p.type === 'frame' ? p.seq : -1)),
    Array.from({ length: 100 }, (_, i) => (65_500 + i) & 0xffff),
  );
  const b = new JitterBuffer();
  const frame = (seq: number) => ({ seq, timestamp: seq * FRAME_MS * SAMPLES_PER_MS, payload: Uint8Array.of(seq) });
  b.push(frame(1), 0);
  b.push(frame(0), 5);
  b.push(frame(1), 6);
  assert.equal(b.stats.duplicate, 1);
  assert.deepEqual(b.pull(1_000), { type: 'frame', seq: 0, payload: Uint8Array.of(0) }, 'an earlier frame before play-out starts is played first');
  assert.equal(b.pull(1_020).type, 'frame');
  b.push(frame(1), 1_030);
  assert.equal(b.stats.late, 1, 'a frame after its turn');
});

test('the buffer follows a link that gets worse by small steps, never a jump', () => {
  const buffer = new JitterBuffer();
  const rng = new Prng(60);
  let last = buffer.currentDelayMs;
  let maxStep = 0;
  const played: PlayOut[] = [];
  for (let i = 0, now = 0; i < 1000; i++) {
    const jitter = i < 300 ? 0 : 60;
    buffer.push({ seq: i, timestamp: i * FRAME_MS * SAMPLES_PER_MS, payload: Uint8Array.of(0) }, i * FRAME_MS + 40 + rng.float() * jitter);
    for (; now <= i * FRAME_MS; now += FRAME_MS) {
      const out = buffer.pull(now);
      if (out.type !== 'wait') played.push(out);
      maxStep = Math.max(maxStep, Math.abs(buffer.currentDelayMs - last));
      last = buffer.currentDelayMs;
    }
  }
  assert.ok(maxStep <= JITTER_ADAPT_STEP_MS, `largest step ${maxStep} ms`);
  assert.ok(buffer.currentDelayMs > 50, `grew to ${buffer.currentDelayMs} ms`);
});
