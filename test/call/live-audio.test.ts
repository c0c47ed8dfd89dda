import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { compareAudio } from '../../src/call/envelope.js';
import { LIVE_FRAME_BYTES, LIVE_QUEUE_FRAMES, LiveAudio, frameBytes } from '../../src/call/live-audio.js';
import { FRAME_SAMPLES } from '../../src/call/opus-codec.js';
import { readWav48k } from '../../src/call/wav.js';
import type { CallJson } from '../../src/sdk/index.js';
import { eventually } from '../supernode/processes.js';
import { CallNetwork, callEvents } from './network.js';
import { makeSpeech, speechUnavailable } from './speech.js';

test('live audio: frames in as 16-bit PCM, a short queue (oldest dropped), silence when starved; other sizes refused', () => {
  const heard: Int16Array[] = [];
  const closed: string[] = [];
  const live = new LiveAudio((f) => heard.push(f), (r) => closed.push(r));
  const frame = Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => (i % 200) - 100);
  assert.equal(live.push(frameBytes(frame)), true);
  assert.deepEqual(live.next(), frame, 'the frame as sent');
  assert.deepEqual(live.next(), new Int16Array(FRAME_SAMPLES), 'silence when none has come');
  assert.equal(live.stats.starved, 1);
  assert.equal(live.push(new Uint8Array(LIVE_FRAME_BYTES - 2)), false);
  assert.equal(live.push(new Uint8Array(LIVE_FRAME_BYTES + 2)), false);
  for (let i = 0; i < LIVE_QUEUE_FRAMES + 5; i++) live.push(frameBytes(new Int16Array(FRAME_SAMPLES).fill(i)));
  assert.equal(live.stats.dropped, 5);
  assert.equal(live.next()[0], 5, 'the oldest went');
  live.heard(frame);
  assert.equal(heard.length, 1);
  live.close('the call ended');
  live.close('twice');
  live.heard(frame);
  assert.deepEqual([heard.length, closed], [1, ['the call ended']]);
  assert.equal(live.push(frameBytes(frame)), false, 'nothing after the end');
});

const root = mkdtempSync(join(tmpdir(), 'parley-live-'));
const net = new CallNetwork(root);
after(async () => {
  await net.close();
  rmSync(root, { recursive: true, force: true });
});

test("a call's live audio over the API's WebSocket between parley node processes: alice's microphone frames are what bob hears, and bob's socket gets what he plays", { skip: speechUnavailable ?? false, timeout: 180_000 }, async () => {
  const speech = readWav48k(makeSpeech(root));
  await net.start('live');
  const alice = await net.device('alice', 'alice', true);
  const bob = await net.device('bob', 'bob', true);
  await net.befriend(alice, bob);
  const placed = await alice.sdk.dial('bob');
  const incoming = (): CallJson | undefined => callEvents(bob, placed.id).at(-1);
  await eventually(() => Promise.resolve(incoming()?.state === 'incoming'), 20_000, 'bob rings');
  const recording = join(root, 'bob-heard.wav');
  await bob.sdk.answer(placed.id, { audioOut: recording });
  await eventually(async () => (await alice.sdk.call(placed.id)).state === 'active', 10_000, 'answered');

  // Bad requests: no such call, a message that is not one frame.
  const refusedWith: [number, string][] = [];
  await alice.sdk.callAudio('0'.repeat(32), () => {}, (code, reason) => refusedWith.push([code, reason])).opened;
  await eventually(() => Promise.resolve(refusedWith.length > 0), 10_000, 'a socket for no call is closed');
  assert.equal(refusedWith[0]?.[0], 1008);
  assert.match(refusedWith[0]?.[1] ?? '', /NOT_FOUND/);
  const closedWith: [number, string][] = [];
  const bad = alice.sdk.callAudio(placed.id, () => {}, (code, reason) => closedWith.push([code, reason]));
  await bad.opened;
  bad.send(new Int16Array(10));
  await eventually(() => Promise.resolve(closedWith.length > 0), 10_000, 'the bad client is closed');
  assert.equal(closedWith[0]?.[0], 1007);

  // Bob listens on his call's socket; alice speaks into hers, one frame per 20 ms as a sound card would.
  const bobFrames: Int16Array[] = [];
  const bobEnds: string[] = [];
  const bobSocket = bob.sdk.callAudio(placed.id, (f) => bobFrames.push(f), (_code, reason) => bobEnds.push(reason));
  await bobSocket.opened;
  const mic = alice.sdk.callAudio(placed.id, () => {});
  await mic.opened;
  const frames = Math.ceil(speech.length / FRAME_SAMPLES);
  const start = Date.now();
  let sent = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      // Whatever is due by the clock (a late timer catches up).
      while (sent < frames && sent * 20 <= Date.now() - start) {
        const f = new Int16Array(FRAME_SAMPLES);
        f.set(speech.subarray(sent * FRAME_SAMPLES, (sent + 1) * FRAME_SAMPLES));
        mic.send(f);
        sent++;
      }
      if (sent >= frames) {
        clearInterval(timer);
        done();
      }
    }, 10);
  });
  // The far end's audio drains, then alice hangs up; bob's socket is closed with the call.
  const heardBefore = bobFrames.length;
  await eventually(() => Promise.resolve(bobFrames.length >= heardBefore + 50), 10_000, 'a second more is played');
  await alice.sdk.hangup(placed.id);
  await eventually(() => Promise.resolve(bobEnds.length > 0), 10_000, "bob's socket closes with the call");
  assert.equal(bobEnds[0], 'the call ended');
  mic.close();

  const played = new Int16Array(bobFrames.length * FRAME_SAMPLES);
  bobFrames.forEach((f, i) => played.set(f, i * FRAME_SAMPLES));
  const overSocket = compareAudio(speech, played, 48_000);
  await eventually(() => Promise.resolve(incoming()?.audio?.recording === recording), 10_000, "bob's recording is written");
  const recorded = compareAudio(speech, readWav48k(recording), 48_000);
  console.log(`live audio: bob heard alice's microphone at envelope correlation ${recorded.correlation.toFixed(3)} (his recording) and ${overSocket.correlation.toFixed(3)} (his socket, ${bobFrames.length} frames), ${overSocket.delayMs} ms later`);
  assert.ok(recorded.correlation >= 0.9 && recorded.coverage >= 0.95, JSON.stringify(recorded));
  assert.ok(overSocket.correlation >= 0.9 && overSocket.coverage >= 0.95, JSON.stringify(overSocket));
});
