/**
 * `parley bench media`: the cost of call audio (issue #8).
 *
 * - Per frame: encode + encrypt (Opus, the PeerMedia message, AES-256-GCM as the session seals it)
 *   and decrypt + decode (the reverse, through the jitter buffer), on speech-like audio.
 * - Concurrent two-party calls one process carries: N calls' sides (each frame: one packet
 *   made and sealed, one opened and played) on one 20 ms clock, in real time; the largest N whose
 *   ticks all ran within a frame period of their time.
 * - A 25-party mix: the host decodes 24 streams, mixes all-but-one for 25 (itself too) and encodes
 *   24, every 20 ms in real time: its share of one core (process CPU time over wall time).
 * - Added mouth-to-ear delay on loopback: two legs over real UDP sockets on 127.0.0.1; from the
 *   moment a frame's 20 ms of audio is complete at the sender to the moment it plays at the
 *   receiver, plus the 20 ms the frame takes to fill.
 */

import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';

import { PeerMedia } from '../src/call/call-messages.js';
import { FRAME_MS } from '../src/call/jitter-buffer.js';
import { MediaStream, type MediaPacket } from '../src/call/media-stream.js';
import { mixAllButOne } from '../src/call/mixer.js';
import { FRAME_SAMPLES, VoiceDecoder, VoiceEncoder, type Frame } from '../src/call/opus-codec.js';
import { CIPHER_AESGCM } from '../src/crypto/noise/primitives.js';
import { CipherState } from '../src/crypto/noise/cipher-state.js';
import { decodeMessage, encodeMessage } from '../src/wire/index.js';
import { PEER_PROTOCOL } from '../src/client/peer-messages.js';

export interface MediaBenchReport {
  readonly perFrame: { readonly encodeEncryptUs: number; readonly decryptDecodeUs: number; readonly frames: number };
  readonly concurrentCalls: { readonly carried: number; readonly tried: readonly { readonly calls: number; readonly lateTicks: number; readonly ticks: number; readonly cpuShare: number }[] };
  readonly mix25: { readonly participants: number; readonly cpuShareOfOneCore: number; readonly seconds: number; readonly tickP99Ms: number };
  readonly mouthToEar: { readonly p50Ms: number; readonly p95Ms: number; readonly frames: number; readonly jitterBufferMs: number };
}

const CALL_ID = new Uint8Array(16);
const AD = new Uint8Array(0);

/** Speech-like test audio: voiced harmonics under a syllable-rate envelope, with pauses. */
function voice(frames: number, seed = 1): Frame[] {
  const out: Frame[] = [];
  let phase = 0;
  for (let f = 0; f < frames; f++) {
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const t = (f * FRAME_SAMPLES + i) / 48_000;
      const pitch = 110 + 30 * Math.sin(2 * Math.PI * 0.7 * t + seed);
      phase += (2 * Math.PI * pitch) / 48_000;
      const syllable = Math.max(0, Math.sin(2 * Math.PI * 4 * t + seed));
      const talking = Math.floor(t / 2.5 + seed) % 3 !== 2 ? 1 : 0;
      let s = 0;
      for (let h = 1; h <= 8; h++) s += Math.sin(h * phase) / h;
      frame[i] = Math.round(6000 * syllable * talking * s);
    }
    out.push(frame);
  }
  return out;
}

/** A sealing pair as a session has (one key each way; here one key both ways for the measure). */
function cipherPair(): { seal: CipherState; open: CipherState } {
  const key = new Uint8Array(randomBytes(32));
  const seal = new CipherState(CIPHER_AESGCM);
  const open = new CipherState(CIPHER_AESGCM);
  seal.initializeKey(key);
  open.initializeKey(key);
  return { seal, open };
}

const wire = (p: MediaPacket): Uint8Array => encodeMessage(PeerMedia.toMessage({ ...p, call: CALL_ID }, 0));
const unwire = (bytes: Uint8Array): MediaPacket | null => {
  const m = decodeMessage(bytes);
  const d = m.ok ? PEER_PROTOCOL.decode(m.value) : null;
  return d?.ok && d.value.name === 'peer-media' ? d.value.value : null;
};

const percentile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
};
const round = (n: number, d = 1): number => Number(n.toFixed(d));

function perFrame(frames: Frame[]): MediaBenchReport['perFrame'] {
  const enc = new VoiceEncoder();
  const dec = new VoiceDecoder();
  const { seal, open } = cipherPair();
  const sealed: Uint8Array[] = [];
  let t0 = process.hrtime.bigint();
  let seq = 0;
  for (const f of frames) {
    const payload = enc.encode(f);
    if (!payload) continue;
    sealed.push(seal.encryptWithAd(AD, wire({ stream: 1, seq: seq++ & 0xffff, timestamp: seq * FRAME_SAMPLES, payload })));
  }
  const encodeNs = Number(process.hrtime.bigint() - t0);
  t0 = process.hrtime.bigint();
  for (const c of sealed) {
    const p = unwire(open.decryptWithAd(AD, c));
    if (p) dec.decode(p.payload);
  }
  const decodeNs = Number(process.hrtime.bigint() - t0);
  return { encodeEncryptUs: round(encodeNs / frames.length / 1000), decryptDecodeUs: round(decodeNs / Math.max(1, sealed.length) / 1000), frames: frames.length };
}

/** Runs `work(tick)` every frame period for `ms` in real time; how many ticks ran a period or more late, and the CPU share. */
async function realTime(ms: number, work: (now: number) => void): Promise<{ ticks: number; late: number; cpuShare: number; tickMs: number[] }> {
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let next = start;
  let ticks = 0;
  let late = 0;
  const tickMs: number[] = [];
  while (next - start < ms) {
    const wait = next - performance.now();
    // No spinning: it would count as CPU the work does not use.
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = performance.now();
    if (now - next >= FRAME_MS) late++;
    work(now);
    tickMs.push(performance.now() - now);
    ticks++;
    next += FRAME_MS;
  }
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu0);
  return { ticks, late, cpuShare: (used.user + used.system) / 1000 / wall, tickMs };
}

/** One process's side of `n` calls: each tick a packet made and sealed, one opened and played. */
async function concurrent(n: number, seconds: number, frames: Frame[]): Promise<{ calls: number; lateTicks: number; ticks: number; cpuShare: number }> {
  // The far ends' packets are made beforehand (their cost is theirs).
  const far = new MediaStream();
  const farPackets: MediaPacket[] = [];
  for (let i = 0; i < frames.length; i++) {
    const p = far.send(frames[i] as Frame, i * FRAME_MS);
    if (p) farPackets.push(p);
  }
  const legs = Array.from({ length: n }, () => ({ media: new MediaStream(), ...cipherPair(), k: 0, frame: Math.floor(Math.random() * frames.length) }));
  const sealedFar = legs.map((l) => farPackets.map((p) => l.seal.encryptWithAd(AD, wire(p))));
  const t0 = performance.now();
  const r = await realTime(seconds * 1000, (now) => {
    legs.forEach((l, i) => {
      const mine = l.media.send(frames[l.frame++ % frames.length] as Frame, now);
      if (mine) l.seal.encryptWithAd(AD, wire(mine));
      const theirs = (sealedFar[i] as Uint8Array[])[l.k++ % farPackets.length] as Uint8Array;
      const p = unwire(l.open.decryptWithAd(AD, theirs));
      // Their stream, placed on this clock.
      if (p) l.media.receive({ ...p, timestamp: (Math.round((now - t0) * 48) >>> 0) }, now);
      l.media.play(now);
    });
  });
  return { calls: n, lateTicks: r.late, ticks: r.ticks, cpuShare: round(r.cpuShare, 3) };
}

async function mix25(seconds: number, frames: Frame[]): Promise<MediaBenchReport['mix25']> {
  const participants = 25;
  const others = participants - 1;
  const encoders = Array.from({ length: others }, () => new VoiceEncoder());
  const decoders = Array.from({ length: others }, () => new VoiceDecoder());
  // What each participant sends: pre-encoded (their encoding is theirs).
  const src = new VoiceEncoder();
  const packets = frames.map((f) => src.encode(f));
  let k = 0;
  const r = await realTime(seconds * 1000, () => {
    const heard: (Frame | null)[] = decoders.map((d, i) => {
      const p = packets[(k + i * 7) % packets.length];
      return p ? d.decode(p) : null;
    });
    heard.push(frames[k % frames.length] as Frame);
    k++;
    const mixes = mixAllButOne(heard);
    encoders.forEach((e, i) => e.encode(mixes[i] as Frame));
  });
  return { participants, cpuShareOfOneCore: round(r.cpuShare, 3), seconds, tickP99Ms: round(percentile(r.tickMs, 0.99), 2) };
}

async function mouthToEar(seconds: number, frames: Frame[]): Promise<MediaBenchReport['mouthToEar']> {
  const a = createSocket('udp4');
  const b = createSocket('udp4');
  a.bind(0, '127.0.0.1');
  b.bind(0, '127.0.0.1');
  await Promise.all([once(a, 'listening'), once(b, 'listening')]);
  const sender = new MediaStream();
  const receiver = new MediaStream();
  const { seal, open } = cipherPair();
  const capturedAt = new Map<number, number>();
  const delays: number[] = [];
  b.on('message', (msg) => {
    const p = unwire(open.decryptWithAd(AD, new Uint8Array(msg)));
    if (p) receiver.receive(p, performance.now());
  });
  let i = 0;
  let played: number | null = null;
  await realTime(seconds * 1000, (now) => {
    const p = sender.send(frames[i++ % frames.length] as Frame, now);
    if (p && p.payload.length > 0) {
      capturedAt.set(p.seq, now);
      a.send(seal.encryptWithAd(AD, wire(p)), b.address().port, '127.0.0.1');
    }
    receiver.play(now);
    const seq = receiver.lastPlayedSeq;
    if (seq !== null && seq !== played) {
      played = seq;
      const at = capturedAt.get(seq);
      capturedAt.delete(seq);
      // Its audio was complete when it was captured, and took a frame period to fill.
      if (at !== undefined) delays.push(now - at + FRAME_MS);
    }
  });
  a.close();
  b.close();
  return { p50Ms: round(percentile(delays, 0.5)), p95Ms: round(percentile(delays, 0.95)), frames: delays.length, jitterBufferMs: round(receiver.buffer.currentDelayMs) };
}

/** Runs the media benchmark. */
export async function runMediaBench(opts: { onProgress?: (line: string) => void; seconds?: number } = {}): Promise<MediaBenchReport> {
  const say = opts.onProgress ?? (() => {});
  const seconds = opts.seconds ?? 3;
  const frames = voice(500);
  say('cost per frame: encode+encrypt, decrypt+decode');
  const pf = perFrame(voice(3000, 2));
  // Start near what the per-frame cost allows, then go up until ticks run late.
  const perCallMs = (pf.encodeEncryptUs + pf.decryptDecodeUs) / 1000;
  const tried: { calls: number; lateTicks: number; ticks: number; cpuShare: number }[] = [];
  let carried = 0;
  for (const share of [0.25, 0.5, 0.7, 0.85, 1, 1.2]) {
    const n = Math.max(1, Math.floor((FRAME_MS / perCallMs) * share));
    say(`concurrent calls: ${n}`);
    const r = await concurrent(n, seconds, frames);
    tried.push(r);
    if (r.lateTicks > 0) break;
    carried = n;
  }
  say('a 25-party mix');
  const mix = await mix25(seconds * 2, frames);
  say('mouth-to-ear delay on loopback');
  const m2e = await mouthToEar(seconds * 2, frames);
  return { perFrame: pf, concurrentCalls: { carried, tried }, mix25: mix, mouthToEar: m2e };
}
