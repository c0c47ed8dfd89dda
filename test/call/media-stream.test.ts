import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compareAudio } from '../../src/call/envelope.js';
import { FRAME_MS } from '../../src/call/jitter-buffer.js';
import { MediaStream, type MediaPacket } from '../../src/call/media-stream.js';
import { FRAME_SAMPLES } from '../../src/call/opus-codec.js';
import { readWav48k } from '../../src/call/wav.js';
import { Prng } from '../../src/util/prng.js';
import { makeSpeech, speechUnavailable } from './speech.js';

/** Sends `speech` from one stream to another over a simulated link (sans-I/O, simulated time) and returns what was played, and both streams. */
function call(speech: Int16Array, link: { loss: number; delay: number; jitter: number; seed: number }) {
  const rng = new Prng(link.seed);
  const alice = new MediaStream();
  const bob = new MediaStream();
  const inFlight: { at: number; p: MediaPacket; to: MediaStream }[] = [];
  const heard: Int16Array[] = [];
  const frames = Math.ceil(speech.length / FRAME_SAMPLES) + 25;
  const send = (from: MediaStream, to: MediaStream, frame: Int16Array | null, now: number): void => {
    const p = from.send(frame, now);
    if (p && !rng.chance(link.loss)) inFlight.push({ at: now + link.delay + rng.float() * link.jitter, p, to });
  };
  for (let now = 0; now < frames * FRAME_MS; now++) {
    inFlight.sort((a, b) => a.at - b.at);
    while (inFlight.length > 0 && (inFlight[0] as { at: number }).at <= now) {
      const { p, to } = inFlight.shift() as { p: MediaPacket; to: MediaStream };
      to.receive(p, now);
    }
    if (now % FRAME_MS !== 0) continue;
    const i = now / FRAME_MS;
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(speech.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES));
    send(alice, bob, frame, now);
    send(bob, alice, new Int16Array(FRAME_SAMPLES), now);
    const played = bob.play(now);
    if (played) heard.push(played);
    alice.play(now);
  }
  const out = new Int16Array(heard.length * FRAME_SAMPLES);
  heard.forEach((f, i) => out.set(f, i * FRAME_SAMPLES));
  return { heard: out, alice, bob, seconds: frames * 0.02 };
}

test('audio through Opus, the jitter buffer and reports: the envelopes correlate, and the quality is reported', { skip: speechUnavailable ?? false }, () => {
  const speech = readWav48k(makeSpeech());
  const clean = call(speech, { loss: 0, delay: 20, jitter: 0, seed: 1 });
  const c = compareAudio(speech, clean.heard, 48_000);
  const q = clean.bob.quality(clean.seconds * 1000);
  console.log(`clean: correlation ${c.correlation.toFixed(3)}, delay ${c.delayMs} ms, MOS ${q.mos}, ${JSON.stringify(clean.alice.quality(clean.seconds * 1000))}`);
  assert.ok(c.correlation >= 0.9, `clean correlation ${c.correlation}`);
  assert.ok(c.coverage >= 0.95, `coverage ${c.coverage}`);
  assert.ok(q.mos >= 4, `clean MOS ${q.mos}`);
  const aq = clean.alice.quality(clean.seconds * 1000);
  assert.ok(aq.packetsSent / clean.seconds <= 50, `${aq.packetsSent} packets in ${clean.seconds} s`);
  assert.ok(aq.rttMs !== null && Math.abs(aq.rttMs - 40) < 25, `round trip ${aq.rttMs} ms (the link is 20 ms each way)`);

  const bad = call(speech, { loss: 0.05, delay: 20, jitter: 30, seed: 2 });
  const b = compareAudio(speech, bad.heard, 48_000);
  const bq = bad.bob.quality(bad.seconds * 1000);
  console.log(`5% loss, 30 ms jitter: correlation ${b.correlation.toFixed(3)}, MOS ${bq.mos}, ${bq.fecRecovered} recovered, ${bq.concealed} concealed, ${JSON.stringify(bq)}`);
  assert.ok(b.correlation >= 0.8, `correlation at 5% loss ${b.correlation}`);
  assert.ok(b.coverage >= 0.95, `coverage ${b.coverage}`);
  assert.ok(bq.lossPercent > 2 && bq.lossPercent < 9, `loss ${bq.lossPercent}%`);
  assert.ok(bq.fecRecovered > bq.concealed, 'most lost frames are rebuilt from the next packet');
  assert.ok(bq.mos >= 3.6, `MOS ${bq.mos}`);
});
