import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { compareAudio } from '../../src/call/envelope.js';
import { readWav48k } from '../../src/call/wav.js';
import type { CallJson } from '../../src/sdk/index.js';
import { runParley } from '../cli/parley-process.js';
import { eventually } from '../supernode/processes.js';
import { CallNetwork, callEnded, callEvents, type Device } from './network.js';
import { makeSpeech, speechUnavailable } from './speech.js';

const root = mkdtempSync(join(tmpdir(), 'parley-calls-'));
const net = new CallNetwork(root);
after(async () => {
  await net.close();
  rmSync(root, { recursive: true, force: true });
});

test('calls between parley node processes on loopback: ringing on both of bob\'s devices, answered on one (the other told), speech through Opus and back out of a WAV file, declined, refused to a stranger; history with quality', { skip: speechUnavailable ?? false, timeout: 240_000 }, async () => {
  const speechPath = makeSpeech(root);
  const speech = readWav48k(speechPath);
  await net.start('calls');
  const alice = await net.device('alice', 'alice', true);
  const bob1 = await net.device('bob', 'bob1', true);
  await net.befriend(alice, bob1);
  // Bob's second device, logged in later, learns his contacts from the first.
  const bob2 = await net.device('bob', 'bob2', false);
  await eventually(async () => (await bob2.sdk.contacts()).some((c) => c.username === 'alice' && c.state === 'accepted'), 30_000, "bob's second device knows alice");
  const carol = await net.device('carol', 'carol', true);

  // 1. Alice calls bob with speech: both devices ring; the second answers and records; the first is told.
  const placed = await alice.sdk.dial('bob', { audioIn: speechPath });
  assert.equal(placed.direction, 'outgoing');
  const incoming = (d: Device): CallJson | undefined => callEvents(d).find((c) => c.state === 'incoming');
  await eventually(() => Promise.resolve(incoming(bob1) !== undefined && incoming(bob2) !== undefined), 20_000, 'both of bob\'s devices ring');
  const id = (incoming(bob2) as CallJson).id;
  assert.equal(id, placed.id, 'the same call on both ends');
  await eventually(async () => (await alice.sdk.call(id)).state === 'ringing', 10_000, 'alice hears it ring');
  const heardPath = join(root, 'heard.wav');
  const answered = await runParley(['answer', '--audio-out', heardPath, '--profile', bob2.profile, '--json']);
  assert.equal(answered.code, 0, answered.stderr);
  assert.equal((JSON.parse(answered.stdout) as CallJson).state, 'active');
  const other = await callEnded(bob1, id);
  assert.equal(other.reason, 'answered-elsewhere');
  // Alice hangs up by herself a second after her file ends.
  const aliceEnd = await callEnded(alice, id);
  const bobEnd = await callEnded(bob2, id);
  assert.equal(aliceEnd.reason, 'hung-up');
  assert.equal(bobEnd.reason, 'remote-hung-up');
  const heard = readWav48k(heardPath);
  const c = compareAudio(speech, heard, 48_000);
  const q = bobEnd.quality;
  assert.ok(q !== null && aliceEnd.quality !== null);
  const ringMs = (aliceEnd.ringingAt as number) - aliceEnd.startedAt;
  const firstAudioMs = (bobEnd.firstAudioAt as number) - (bobEnd.answeredAt as number);
  console.log(`loopback call: envelope correlation ${c.correlation.toFixed(3)} at ${c.delayMs} ms; dial to ringing ${ringMs} ms; answer to first audio ${firstAudioMs} ms; bob heard MOS ${q.mos}, loss ${q.lossPercent}%, ${q.fecRecovered} frames rebuilt from the next packet, ${q.concealed} concealed, ${q.late} late, jitter buffer ${q.bufferMs} ms, path ${bobEnd.path}; alice sent ${aliceEnd.quality.packetsSent} packets at ${aliceEnd.quality.bitrateKbps} kbit/s`);
  assert.ok(c.correlation >= 0.9, `envelope correlation ${c.correlation}`);
  assert.ok(c.coverage >= 0.95, `the recording covers ${c.coverage} of the speech`);
  assert.ok(q.mos >= 4, `MOS ${q.mos}`);
  assert.equal(bobEnd.audio?.recording, heardPath);
  assert.equal(bobEnd.audio?.framesPlayed, heard.length / 960);
  const seconds = ((aliceEnd.endedAt as number) - (aliceEnd.answeredAt as number)) / 1000;
  assert.ok(aliceEnd.quality.packetsSent / seconds <= 51, `${aliceEnd.quality.packetsSent} packets in ${seconds} s`);

  // 2. Declined on both devices: the call ends declined for alice.
  const second = await alice.sdk.dial('bob');
  await eventually(() => Promise.resolve(callEvents(bob1, second.id).some((x) => x.state === 'incoming') && callEvents(bob2, second.id).some((x) => x.state === 'incoming')), 20_000, 'both ring again');
  const declined = await runParley(['decline', second.id, '--profile', bob1.profile]);
  assert.equal(declined.code, 0, declined.stderr);
  await bob2.sdk.decline(second.id);
  assert.equal((await callEnded(alice, second.id)).reason, 'declined');

  // 3. A stranger's call does not ring: declined at once, and bob's devices hear nothing of it.
  const stranger = await carol.sdk.dial('bob');
  assert.equal((await callEnded(carol, stranger.id)).reason, 'declined');
  assert.equal(callEvents(bob1, stranger.id).length + callEvents(bob2, stranger.id).length, 0);

  // Bad input: a clear refusal, nothing changes.
  await assert.rejects(alice.sdk.dial('bob', { durationMs: -5 }), { code: 'BAD_REQUEST', status: 400 });
  await assert.rejects(alice.sdk.dial('nobody'), { code: 'NOT_FOUND', status: 404 });
  const noCall = await runParley(['hangup', '--profile', alice.profile]);
  assert.equal(noCall.code, 1);
  assert.match(noCall.stderr, /NOT_FOUND: no call in progress/);
  const badWav = await runParley(['call', 'bob', '--audio-in', join(root, 'alice', 'store.db'), '--profile', alice.profile]);
  assert.equal(badWav.code, 1);
  assert.match(badWav.stderr, /WAV_NOT_WAV/);
  assert.deepEqual(await alice.sdk.calls(), [], 'no call is left in progress');

  // The history: newest first, with how each ended and the quality of the answered one.
  const history = await alice.sdk.callHistory();
  assert.deepEqual(history.map((h) => h.reason), ['declined', 'hung-up']);
  assert.equal((history[1]?.quality as { mos: number }).mos, aliceEnd.quality.mos);
  const listed = await runParley(['calls', '--profile', bob1.profile]);
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /from alice .* declined/);
  assert.match(listed.stdout, /from alice .* answered-elsewhere/);
});
