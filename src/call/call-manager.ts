/**
 * A device's calls (issue #8): the driver of call-machine.ts's machines and of the media legs.
 *
 * - Signalling goes on the sessions between the devices (call-messages.ts's `peer-call`), which
 *   start on a relay at the callee's supernode: through supernodes, end-to-end encrypted. Each
 *   message is numbered and sent again every SIGNAL_RETRY_MS until the other device answers
 *   `peer-call-ack`; one that comes twice is handled once.
 * - A call rings on every device of the callee that has a session (the transport links them);
 *   calls from anyone who is not an accepted contact are declined without ringing.
 * - Media: one 20 ms clock for every live call. Each tick takes a frame from the call's source
 *   (a WAV file, the echo of what it heard, or silence; nothing while held; silence while muted),
 *   sends its packet (media-stream.ts) on the session, and plays a frame from the jitter buffer
 *   into the call's recording. A live call that hears nothing, not even a report, for
 *   CALL_MEDIA_TIMEOUT_MS fails ("connection lost").
 * - When a call ends its recording is written (WAV, 48 kHz) and the call goes into the history with
 *   its quality.
 */

import { randomBytes } from 'node:crypto';
import type { PeerCallMessage, PeerPathKind } from '../client/peer-links.js';
import type { CallRecord } from '../client/store.js';
import type { WireMessage } from '../wire/index.js';
import { ALL_DEVICES, CallError, CallMachine, type CallInput, type CallMessage, type CallOutput, type CallState, type EndReason } from './call-machine.js';
import { CALL_ID_BYTES, PeerCall, PeerCallAck, PeerMedia } from './call-messages.js';
import { FRAME_MS } from './jitter-buffer.js';
import { MediaStream, type LegQuality } from './media-stream.js';
import { FRAME_SAMPLES, SAMPLE_RATE, type Frame } from './opus-codec.js';
import { readWav48k, writeWav } from './wav.js';

/** A signalling message is sent again this often until answered, this many times at most. */
export const SIGNAL_RETRY_MS = 250;
export const SIGNAL_TRIES = 12;
/** A live call that hears nothing from the other device this long has lost its connection. */
export const CALL_MEDIA_TIMEOUT_MS = 10_000;
/** Calls at once on one device (live, ringing or being dialled). */
export const CALLS_MAX = 32;
/** Ended calls remembered (a late invitation or retry for one is answered, not rung again). */
export const ENDED_REMEMBERED = 1_000;
/** A call whose only source is a file ends this long after the file does (the far end's audio drains). */
export const FILE_TAIL_MS = 1_000;
/** Longest call duration asked for (ms). */
export const CALL_DURATION_MAX_MS = 24 * 3_600_000;
/** The path of a live call is looked at this often. */
const PATH_POLL_FRAMES = 25;

/** Where the audio of a call comes from and goes. */
export interface CallAudio {
  /** A WAV file to send (any rate; resampled to 48 kHz mono). Silence without. */
  readonly audioIn?: string;
  /** A WAV file to write what was heard to (48 kHz mono 16-bit), when the call ends. */
  readonly audioOut?: string;
  /** Hang up this long after the call is answered. */
  readonly durationMs?: number;
  /** Send back what is heard (a test or bot's echo), instead of a file or silence. */
  readonly echo?: boolean;
}

/** How a device answers calls by itself (bots and tests), and with what audio. */
export type AutoAnswer = { readonly mode: 'echo' } | { readonly mode: 'silence' } | { readonly mode: 'file'; readonly path: string };

/** The sessions the calls run on (device-runtime.ts). */
export interface CallTransport {
  /** The devices of `username` other than this one with a session up (linked now), keys hex. */
  devices(username: string): Promise<{ key: string; username: string; account: string }[]>;
  send(key: string, message: WireMessage): boolean;
  path(key: string): PeerPathKind | null;
}

/** A call as the API shows it. */
export interface CallSummary {
  readonly id: string;
  readonly direction: 'outgoing' | 'incoming';
  readonly peer: string;
  readonly state: CallState;
  readonly reason: EndReason | null;
  readonly detail: string | null;
  readonly startedAt: number;
  readonly ringingAt: number | null;
  readonly answeredAt: number | null;
  readonly firstAudioAt: number | null;
  readonly endedAt: number | null;
  readonly path: PeerPathKind | null;
  readonly muted: boolean;
  readonly remoteMuted: boolean;
  readonly quality: LegQuality | null;
  /** What the audio went through (null until the call ends): frames played, and how. */
  readonly audio: { readonly framesPlayed: number; readonly fecRecovered: number; readonly concealed: number; readonly recording: string | null } | null;
}

export interface CallEvent {
  readonly type: 'call';
  readonly call: CallSummary;
}

export interface CallManagerOptions {
  readonly transport: CallTransport;
  /** The history. */
  readonly history: { addCall(c: CallRecord): void; calls(limit: number): CallRecord[] };
  /** Whether a call from this account may ring here (an accepted contact). */
  readonly accepts: (account: string) => boolean;
  readonly onEvent?: (e: CallEvent) => void;
  readonly autoAnswer?: AutoAnswer | null;
  readonly clock?: () => number;
}

/** What the manager counted. */
export interface CallStats {
  signalsSent: number;
  signalsReceived: number;
  mediaSent: number;
  mediaReceived: number;
  /** Media for no call here, or from a device not in the call. */
  strayMedia: number;
  /** Ticks of the media clock that ran a frame period or more late. */
  lateTicks: number;
}

interface Call {
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly machine: CallMachine;
  readonly peerName: string;
  /** Devices in the call, by key: the callee's invited ones (caller), or the caller's (callee). */
  readonly devices: Set<string>;
  audio: CallAudio;
  source: Int16Array | null;
  position: number;
  readonly heard: Frame[];
  readonly echo: Frame[];
  media: MediaStream | null;
  ringingAt: number | null;
  firstAudioAt: number | null;
  lastHeardAt: number;
  path: PeerPathKind | null;
  timer: NodeJS.Timeout | null;
  nextSignal: number;
  readonly handled: Set<string>;
  /** Declined without ringing (not a contact): no event, no history. */
  readonly quiet: boolean;
  final: CallSummary | null;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The calls of one device. */
export class CallManager {
  readonly stats: CallStats = { signalsSent: 0, signalsReceived: 0, mediaSent: 0, mediaReceived: 0, strayMedia: 0, lateTicks: 0 };
  private readonly calls = new Map<string, Call>();
  private readonly ended = new Map<string, CallSummary>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly clock: () => number;
  private ticker: NodeJS.Timeout | null = null;
  private nextFrameAt = 0;
  private ticks = 0;
  private closed = false;

  constructor(private readonly o: CallManagerOptions) {
    this.clock = o.clock ?? Date.now;
  }

  /** Calls `username` on every device of theirs that can be reached; resolves once they are invited. */
  async dial(username: string, audio: CallAudio = {}): Promise<CallSummary> {
    this.checkAudio(audio);
    if (this.calls.size >= CALLS_MAX) throw new CallError('NOT_NOW', `at most ${CALLS_MAX} calls at once`);
    const source = audio.audioIn !== undefined ? readWav48k(audio.audioIn) : null;
    // The call starts now (its setup time counts the lookup and the sessions).
    const dialedAt = this.clock();
    const devices = await this.o.transport.devices(username);
    if (devices.length === 0) throw new CallError('NOT_FOUND', `${username} has no device that can be reached now`);
    const idBytes = new Uint8Array(randomBytes(CALL_ID_BYTES));
    const id = hex(idBytes);
    const machine = CallMachine.dial(id, devices.map((d) => d.key), dialedAt);
    const call = this.track({ id, idBytes, machine, peerName: (devices[0] as { username: string }).username, devices: new Set(devices.map((d) => d.key)), audio, source, quiet: false });
    this.drain(call);
    return this.summary(call);
  }

  /** Answers a ringing call (the only one when `id` is not given). */
  answer(id: string | undefined, audio: CallAudio = {}): CallSummary {
    this.checkAudio(audio);
    const call = this.pick(id, (c) => c.machine.state === 'incoming', 'ringing');
    if (audio.audioIn !== undefined) call.source = readWav48k(audio.audioIn);
    call.audio = audio;
    return this.act(call, { type: 'answer' });
  }

  decline(id?: string): CallSummary {
    return this.act(this.pick(id, (c) => c.machine.state === 'incoming', 'ringing'), { type: 'decline' });
  }

  hangup(id?: string): CallSummary {
    return this.act(this.pick(id, (c) => c.machine.state !== 'ended', 'in progress'), { type: 'hangup' });
  }

  hold(id: string | undefined, on: boolean): CallSummary {
    return this.act(this.pick(id, (c) => c.machine.state !== 'ended', 'in progress'), { type: on ? 'hold' : 'resume' });
  }

  mute(id: string | undefined, muted: boolean): CallSummary {
    return this.act(this.pick(id, (c) => c.machine.state !== 'ended', 'in progress'), { type: 'mute', muted });
  }

  /** A call, live or recently ended. */
  get(id: string): CallSummary {
    const call = this.calls.get(id);
    if (call) return this.summary(call);
    const done = this.ended.get(id);
    if (done) return done;
    throw new CallError('NOT_FOUND', `no call ${id.slice(0, 40)}`);
  }

  /** The calls in progress. */
  live(): CallSummary[] {
    return [...this.calls.values()].filter((c) => !c.quiet).map((c) => this.summary(c));
  }

  /** The history, newest first. */
  history(limit = 100): CallRecord[] {
    return this.o.history.calls(limit);
  }

  /** A call message from another device's session. */
  receive(m: PeerCallMessage, from: { key: string; account: string; username: string }): void {
    if (this.closed) return;
    const now = this.clock();
    if (m.name === 'peer-media') {
      const p = m.value;
      const call = this.calls.get(hex(p.call));
      if (!call?.media || call.machine.peer !== from.key) {
        this.stats.strayMedia++;
        return;
      }
      this.stats.mediaReceived++;
      call.lastHeardAt = now;
      call.media.receive(p, now);
      return;
    }
    if (m.name === 'peer-call-ack') {
      const a = m.value;
      const key = `${hex(a.call)}/${from.key}/${a.n}`;
      clearTimeout(this.pending.get(key));
      this.pending.delete(key);
      return;
    }
    const s = m.value;
    const id = hex(s.call);
    // Answered always (the ack may have been lost), handled once.
    this.o.transport.send(from.key, PeerCallAck.toMessage({ call: s.call, n: s.n }, 0));
    this.stats.signalsReceived++;
    let call = this.calls.get(id);
    if (!call) {
      // At most CALLS_MAX at once: invitations beyond are acknowledged and not rung (a flood stays bounded).
      if (s.signal !== 'invite' || this.ended.has(id) || this.calls.size >= CALLS_MAX) return;
      call = this.incoming(id, s.call, from);
      call.handled.add(`${from.key}/${s.n}`);
      return;
    }
    if (!call.devices.has(from.key) || call.handled.has(`${from.key}/${s.n}`)) return;
    call.handled.add(`${from.key}/${s.n}`);
    const input = toInput(s, from.key);
    if (!input) return;
    call.machine.handle(input, now);
    this.drain(call);
  }

  /** Ends every call (hung up) and stops the clock. */
  close(): void {
    for (const call of [...this.calls.values()]) {
      try {
        call.machine.handle(call.machine.state === 'incoming' ? { type: 'decline' } : { type: 'hangup' }, this.clock());
      } catch {
        // Already ending.
      }
      this.drain(call);
    }
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  private checkAudio(audio: CallAudio): void {
    if (audio.durationMs !== undefined && !(Number.isInteger(audio.durationMs) && audio.durationMs > 0 && audio.durationMs <= CALL_DURATION_MAX_MS)) throw new CallError('BAD_INPUT', `a duration is 1 ms to ${CALL_DURATION_MAX_MS / 3_600_000} h`);
  }

  private incoming(id: string, idBytes: Uint8Array, from: { key: string; account: string; username: string }): Call {
    const now = this.clock();
    const machine = CallMachine.incoming(id, from.key, now);
    const allowed = this.o.accepts(from.account);
    const busy = [...this.calls.values()].some((c) => c.machine.answeredAt !== null && c.machine.state !== 'ended');
    const call = this.track({ id, idBytes, machine, peerName: from.username, devices: new Set([from.key]), audio: {}, source: null, quiet: !allowed });
    if (!allowed) {
      // Not a contact: declined at once, and nothing rings.
      while (machine.poll()) {
        // The machine's "ringing" is not sent.
      }
      machine.handle({ type: 'decline' }, now);
    } else if (busy && !this.o.autoAnswer) {
      machine.handle({ type: 'busy' }, now);
    } else if (this.o.autoAnswer) {
      const a = this.o.autoAnswer;
      if (a.mode === 'file') call.source = readWav48k(a.path);
      call.audio = a.mode === 'echo' ? { echo: true } : {};
      this.drain(call);
      machine.handle({ type: 'answer' }, now);
    }
    this.drain(call);
    return call;
  }

  private track(c: Pick<Call, 'id' | 'idBytes' | 'machine' | 'peerName' | 'devices' | 'audio' | 'source' | 'quiet'>): Call {
    const call: Call = { ...c, position: 0, heard: [], echo: [], media: null, ringingAt: null, firstAudioAt: null, lastHeardAt: this.clock(), path: null, timer: null, nextSignal: 1, handled: new Set(), final: null };
    this.calls.set(call.id, call);
    return call;
  }

  private pick(id: string | undefined, fits: (c: Call) => boolean, what: string): Call {
    if (id !== undefined) {
      const call = this.calls.get(id);
      if (!call) throw new CallError('NOT_FOUND', `no call ${id.slice(0, 40)} in progress`);
      return call;
    }
    const candidates = [...this.calls.values()].filter((c) => !c.quiet && fits(c));
    if (candidates.length === 0) throw new CallError('NOT_FOUND', `no call ${what}`);
    if (candidates.length > 1) throw new CallError('NOT_NOW', `${candidates.length} calls are ${what}: say which`);
    return candidates[0] as Call;
  }

  private act(call: Call, input: CallInput): CallSummary {
    call.machine.handle(input, this.clock());
    this.drain(call);
    return this.summary(call);
  }

  /** Carries out what the machine asks. */
  private drain(call: Call): void {
    for (let out: CallOutput | null; (out = call.machine.poll()) !== null; ) {
      if (out.type === 'send') {
        const to = out.to === ALL_DEVICES ? [...call.devices] : [out.to];
        for (const key of to) this.signal(call, key, out.message);
      } else if (out.type === 'state') {
        this.onState(call, out.state);
      } else {
        this.emit(call);
      }
    }
    this.armTimer(call);
  }

  private signal(call: Call, key: string, message: CallMessage): void {
    const n = call.nextSignal++;
    const wire = PeerCall.toMessage(
      {
        call: call.idBytes,
        n,
        signal: message.type,
        ...(message.type === 'mute' ? { muted: message.muted } : {}),
        ...(message.type === 'cancel' ? { reason: message.reason } : {}),
      },
      0,
    );
    const pendingKey = `${call.id}/${key}/${n}`;
    const attempt = (tries: number): void => {
      this.stats.signalsSent++;
      this.o.transport.send(key, wire);
      if (tries >= SIGNAL_TRIES || this.closed) {
        this.pending.delete(pendingKey);
        return;
      }
      const t = setTimeout(() => attempt(tries + 1), SIGNAL_RETRY_MS);
      t.unref();
      this.pending.set(pendingKey, t);
    };
    attempt(1);
  }

  private onState(call: Call, state: CallState): void {
    const now = this.clock();
    if (state === 'ringing') call.ringingAt = now;
    if (call.media === null && call.machine.answeredAt !== null && state !== 'ended') {
      call.media = new MediaStream();
      call.lastHeardAt = now;
      call.path = call.machine.peer ? this.o.transport.path(call.machine.peer) : null;
      this.startClock();
    }
    if (state === 'ended') this.finish(call);
    else this.emit(call);
  }

  private finish(call: Call): void {
    const now = this.clock();
    if (call.timer) clearTimeout(call.timer);
    call.timer = null;
    this.calls.delete(call.id);
    let recording: string | null = null;
    if (call.audio.audioOut !== undefined) {
      const samples = new Int16Array(call.heard.length * FRAME_SAMPLES);
      call.heard.forEach((f, i) => samples.set(f, i * FRAME_SAMPLES));
      try {
        writeWav(call.audio.audioOut, samples, SAMPLE_RATE);
        recording = call.audio.audioOut;
      } catch {
        recording = null;
      }
    }
    const stats = call.media?.buffer.stats;
    call.final = {
      ...this.summary(call),
      audio: stats ? { framesPlayed: call.heard.length, fecRecovered: stats.fecRecovered, concealed: stats.concealed, recording } : null,
    };
    call.media = null;
    this.ended.set(call.id, call.final);
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.keys().next().value as string);
    if (!call.quiet) {
      const m = call.machine;
      this.o.history.addCall({ id: call.id, outgoing: m.role === 'caller', peer: call.peerName, startedAt: m.startedAt, answeredAt: m.answeredAt, endedAt: m.endedAt ?? now, reason: m.reason ?? 'failed', detail: m.detail, quality: call.final.quality });
      this.o.onEvent?.({ type: 'call', call: call.final });
    }
    if (![...this.calls.values()].some((c) => c.media) && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  private emit(call: Call): void {
    if (!call.quiet) this.o.onEvent?.({ type: 'call', call: this.summary(call) });
  }

  /** The machine's deadline, and the call's own end (its duration, or its file's). */
  private armTimer(call: Call): void {
    if (call.timer) clearTimeout(call.timer);
    call.timer = null;
    if (call.machine.state === 'ended') return;
    const due = call.machine.nextDeadline();
    if (due === null) return;
    call.timer = setTimeout(() => {
      call.machine.timeout(this.clock());
      this.drain(call);
    }, Math.max(0, due - this.clock()));
    call.timer.unref();
  }

  private summary(call: Call): CallSummary {
    if (call.final) return call.final;
    const m = call.machine;
    return {
      id: call.id,
      direction: m.role === 'caller' ? 'outgoing' : 'incoming',
      peer: call.peerName,
      state: m.state,
      reason: m.reason,
      detail: m.detail,
      startedAt: m.startedAt,
      ringingAt: call.ringingAt,
      answeredAt: m.answeredAt,
      firstAudioAt: call.firstAudioAt,
      endedAt: m.endedAt,
      path: call.path,
      muted: m.muted,
      remoteMuted: m.remoteMuted,
      quality: call.media ? call.media.quality(this.clock()) : null,
      audio: null,
    };
  }

  private startClock(): void {
    if (this.ticker || this.closed) return;
    this.nextFrameAt = this.clock();
    this.ticker = setInterval(() => this.tick(), FRAME_MS / 2);
  }

  /** Runs every frame period that is due (a late timer catches up). */
  private tick(): void {
    const now = this.clock();
    while (this.nextFrameAt <= now) {
      if (now - this.nextFrameAt >= FRAME_MS) this.stats.lateTicks++;
      this.nextFrameAt += FRAME_MS;
      this.ticks++;
      // The media run on the real clock (arrivals are stamped with it); the loop counts the frames.
      for (const call of [...this.calls.values()]) this.frame(call, now);
    }
  }

  private frame(call: Call, t: number): void {
    const media = call.media;
    const peer = call.machine.peer;
    if (!media || !peer) return;
    const state = call.machine.state;
    const held = state !== 'active';
    let frame: Frame | null = null;
    if (!held) {
      if (call.machine.muted) frame = new Int16Array(FRAME_SAMPLES);
      else if (call.source) {
        frame = new Int16Array(FRAME_SAMPLES);
        frame.set(call.source.subarray(call.position, call.position + FRAME_SAMPLES));
        call.position += FRAME_SAMPLES;
      } else if (call.audio.echo) frame = call.echo.shift() ?? new Int16Array(FRAME_SAMPLES);
      else frame = new Int16Array(FRAME_SAMPLES);
    }
    const p = media.send(frame, t);
    if (p) {
      this.stats.mediaSent++;
      this.o.transport.send(peer, PeerMedia.toMessage({ ...p, call: call.idBytes }, 0));
    }
    const heard = media.play(t);
    if (heard) {
      if (call.firstAudioAt === null && media.buffer.stats.played > 0) call.firstAudioAt = t;
      if (call.audio.audioOut !== undefined) call.heard.push(heard);
      if (call.audio.echo) call.echo.push(heard);
    }
    let acted = false;
    if (this.ticks % PATH_POLL_FRAMES === 0) {
      const path = this.o.transport.path(peer);
      if (path !== null && path !== call.path) {
        call.path = path;
        call.machine.handle({ type: 'path', path }, t);
        acted = true;
      }
    }
    const answered = call.machine.answeredAt ?? t;
    const fileDone = call.source !== null && call.position >= call.source.length + (FILE_TAIL_MS / FRAME_MS) * FRAME_SAMPLES && call.audio.durationMs === undefined;
    if ((call.audio.durationMs !== undefined && t - answered >= call.audio.durationMs) || (fileDone && call.machine.role === 'caller')) call.machine.handle({ type: 'hangup' }, t);
    else if (t - call.lastHeardAt >= CALL_MEDIA_TIMEOUT_MS) call.machine.handle({ type: 'failed', reason: 'connection lost: nothing heard from the other device for 10 s' }, t);
    else if (!acted) return;
    this.drain(call);
  }
}

/** A signalling message as the machine's input. */
function toInput(s: { signal: string; muted?: boolean; reason?: 'cancelled' | 'answered-elsewhere' | 'no-answer' }, device: string): CallInput | null {
  switch (s.signal) {
    case 'ringing':
      return { type: 'remote-ringing', device };
    case 'answer':
      return { type: 'remote-answered', device };
    case 'decline':
      return { type: 'remote-declined', device };
    case 'busy':
      return { type: 'remote-busy', device };
    case 'cancel':
      return { type: 'remote-cancelled', reason: s.reason ?? 'cancelled' };
    case 'bye':
      return { type: 'remote-bye' };
    case 'hold':
      return { type: 'remote-hold' };
    case 'resume':
      return { type: 'remote-resume' };
    case 'mute':
      return { type: 'remote-mute', muted: s.muted === true };
    default:
      return null;
  }
}
