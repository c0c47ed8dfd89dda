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
 * - Conferences (Skype's, mixed by one participant): the device that starts one, or adds someone
 *   to a call, is its host and keeps a call (a leg) with each of up to CONFERENCE_MAX - 1 others.
 *   Each tick it plays every leg's frame, mixes all but one for each participant (mixer.ts; the
 *   host is one of them) and sends each leg its mix through the leg's own encoder. The
 *   participants' calls are ordinary calls to the host; the host tells them who is in (`roster`).
 *   A participant who hangs up leaves; the others go on. When the host leaves the conference ends
 *   for everyone: each participant's call ends with "conference-ended". (There is no hand-over:
 *   the audio runs through the host, and a new host would have to invite everyone again.)
 */

import { randomBytes } from 'node:crypto';

import { checkUsername } from '../login/username.js';
import type { PeerCallMessage, PeerPathKind } from '../client/peer-links.js';
import type { CallRecord } from '../client/store.js';
import type { WireMessage } from '../wire/index.js';
import { ALL_DEVICES, CallError, CallMachine, type CallInput, type CallMessage, type CallOutput, type CallState, type EndReason } from './call-machine.js';
import { CALL_ID_BYTES, PeerCall, PeerCallAck, PeerMedia } from './call-messages.js';
import { FRAME_MS } from './jitter-buffer.js';
import { MediaStream, type LegQuality } from './media-stream.js';
import { LiveAudio } from './live-audio.js';
import { mixAllButOne } from './mixer.js';
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
/** People in one conference, its host included (Skype's limit). */
export const CONFERENCE_MAX = 25;
/** A conference's legs kept for its summary, ended ones included (people may come and go). */
const CONFERENCE_LEGS_KEPT = 4 * CONFERENCE_MAX;
/** Ended conferences remembered. */
const CONFERENCES_REMEMBERED = 100;
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
  /** The conference the call is part of: its id (on the host), host, and who is in now (the host first). */
  readonly conference: { readonly id: string | null; readonly host: string; readonly roster: readonly string[] } | null;
}

/** A conference as its host's API shows it. */
export interface ConferenceSummary {
  readonly id: string;
  readonly host: string;
  /** Who is in now: the host, and each participant who answered and has not left. */
  readonly roster: readonly string[];
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  readonly muted: boolean;
  /** The host's call with each participant, in the order they were invited. */
  readonly calls: readonly CallSummary[];
  /** What the host heard (null until the conference ends). */
  readonly audio: { readonly framesPlayed: number; readonly recording: string | null } | null;
}

export type CallEvent = { readonly type: 'call'; readonly call: CallSummary } | { readonly type: 'conference'; readonly conference: ConferenceSummary };

export interface CallManagerOptions {
  /** This device's user (a conference's host names itself in the roster). */
  readonly username: string;
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

/** Where a call's (or a conference host's) own audio comes from, and what it heard. */
interface Feed {
  audio: CallAudio;
  source: Int16Array | null;
  position: number;
  heard: Frame[];
  echo: Frame[];
  /** Frames heard (played, whatever they were made of). */
  framesHeard: number;
  /** A client's live audio (live-audio.ts), which takes the place of the file or echo while attached. */
  live?: LiveAudio | null;
}

/** A conference this device hosts. */
interface Conference extends Feed {
  readonly id: string;
  /** The host's calls with the participants (ids), in the order they were invited (the oldest ended ones dropped beyond CONFERENCE_LEGS_KEPT). */
  readonly legs: string[];
  /** The ended legs' last summaries (the manager's own list of ended calls is bounded, and any peer can fill it). */
  readonly finals: Map<string, CallSummary>;
  readonly startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  muted: boolean;
  /** Who is in, as last told to the participants. */
  roster: string[];
  final: ConferenceSummary | null;
}

interface Call extends Feed {
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly machine: CallMachine;
  readonly peerName: string;
  /** Devices in the call, by key: the callee's invited ones (caller), or the caller's (callee). */
  readonly devices: Set<string>;
  /** Host: the conference this call is a leg of. */
  conference: Conference | null;
  /** Participant: the host's roster (null: not a conference). */
  roster: string[] | null;
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
/** A username as the directory compares it (its key), or as typed when it is not a valid one. */
const nameKey = (name: string): string => {
  const c = checkUsername(name);
  return c.ok ? c.key : name;
};
/** A call that was answered and has not ended (live, or held). */
const answered = (c: Call): boolean => c.machine.answeredAt !== null && c.machine.state !== 'ended';
/** A user's devices that can be reached (CallTransport.devices). */
type Reached = Awaited<ReturnType<CallTransport['devices']>>;

/** The calls of one device. */
export class CallManager {
  readonly stats: CallStats = { signalsSent: 0, signalsReceived: 0, mediaSent: 0, mediaReceived: 0, strayMedia: 0, lateTicks: 0 };
  private readonly calls = new Map<string, Call>();
  private readonly ended = new Map<string, CallSummary>();
  private readonly conferences = new Map<string, Conference>();
  private readonly endedConferences = new Map<string, ConferenceSummary>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly clock: () => number;
  private ticker: NodeJS.Timeout | null = null;
  private nextFrameAt = 0;
  private ticks = 0;
  private closed = false;
  /** The auto-answer file's audio, once read. */
  private autoSource: Int16Array | null = null;

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
    const [devices] = await this.lookUp([username]);
    if (this.closed) throw new CallError('NOT_NOW', 'the calls are closing');
    const call = this.place(devices as Reached, dialedAt, null);
    call.audio = audio;
    call.source = source;
    this.drain(call);
    return this.summary(call);
  }

  /**
   * Starts a conference hosted here: calls each of `usernames` (every device of theirs rings) and
   * mixes whoever answers. Nothing is dialled unless every one of them can be reached.
   */
  async conference(usernames: readonly string[], audio: CallAudio = {}): Promise<ConferenceSummary> {
    this.checkAudio(audio);
    if (usernames.length === 0 || usernames.length > CONFERENCE_MAX - 1) throw new CallError('BAD_INPUT', `a conference has 1 to ${CONFERENCE_MAX - 1} others`);
    // Names compare as the directory compares them (case-folded NFKC); the accounts found are compared again after the lookup.
    const keys = usernames.map(nameKey);
    if (new Set(keys).size !== keys.length) throw new CallError('BAD_INPUT', 'a user is named twice');
    if (keys.includes(nameKey(this.o.username))) throw new CallError('BAD_INPUT', 'the host is in the conference already');
    if (this.calls.size + usernames.length > CALLS_MAX) throw new CallError('NOT_NOW', `at most ${CALLS_MAX} calls at once`);
    const source = audio.audioIn !== undefined ? readWav48k(audio.audioIn) : null;
    const startedAt = this.clock();
    const reached = await this.lookUp(usernames);
    // Looked at again after the lookup; and by account, as names are compared (case, Unicode forms).
    if (this.closed) throw new CallError('NOT_NOW', 'the calls are closing');
    if (this.calls.size + usernames.length > CALLS_MAX) throw new CallError('NOT_NOW', `at most ${CALLS_MAX} calls at once`);
    const accounts = reached.map((r) => (r[0] as Reached[number]).account);
    if (new Set(accounts).size !== accounts.length) throw new CallError('BAD_INPUT', 'a user is named twice');
    if (reached.some((r) => (r[0] as Reached[number]).username === this.o.username)) throw new CallError('BAD_INPUT', 'the host is in the conference already');
    const idBytes = new Uint8Array(randomBytes(CALL_ID_BYTES));
    const conf: Conference = { id: hex(idBytes), legs: [], finals: new Map(), startedAt, answeredAt: null, endedAt: null, muted: false, roster: [], final: null, audio, source, position: 0, heard: [], echo: [], framesHeard: 0 };
    this.conferences.set(conf.id, conf);
    conf.roster = this.rosterOf(conf);
    for (const devices of reached) this.drain(this.place(devices, startedAt, conf));
    this.emitConference(conf);
    return this.conferenceSummary(conf);
  }

  /**
   * Adds `username` to a call or conference in progress (by id; without one, the only call in
   * progress). A two-party call becomes a conference hosted here; a conference hosted elsewhere
   * is its host's to add to.
   */
  async addToCall(id: string | undefined, username: string): Promise<ConferenceSummary> {
    const check = (name: string): Conference | Call => {
      const target = (id !== undefined ? this.conferences.get(id) : undefined) ?? this.pick(id, answered, 'in progress', true);
      const conf = 'legs' in target ? target : target.conference;
      if (!conf && 'machine' in target) {
        if (target.roster !== null) throw new CallError('NOT_NOW', `only the conference's host, ${target.peerName}, can add people to it`);
        if (!answered(target)) throw new CallError('NOT_NOW', 'a call is added to once it is answered');
      }
      const inNow = conf ? conf.legs.flatMap((l) => this.calls.get(l) ?? []) : [target as Call];
      if (nameKey(name) === nameKey(this.o.username) || inNow.some((c) => nameKey(c.peerName) === nameKey(name))) throw new CallError('BAD_INPUT', `${name} is in the call already`);
      if (inNow.length + 1 >= CONFERENCE_MAX) throw new CallError('NOT_NOW', `at most ${CONFERENCE_MAX} people in a conference`);
      if (this.calls.size >= CALLS_MAX) throw new CallError('NOT_NOW', `at most ${CALLS_MAX} calls at once`);
      return conf ?? target;
    };
    check(username);
    const [devices] = await this.lookUp([username]);
    if (this.closed) throw new CallError('NOT_NOW', 'the calls are closing');
    // Looked at again: the call may have changed during the lookup; and by the name as the directory spells it.
    const target = check((devices as Reached)[0]?.username ?? username);
    const conf = 'legs' in target ? target : this.hostConference(target);
    // Who is in goes out first, so the invitation carries it.
    this.refreshRoster(conf);
    this.drain(this.place(devices as Reached, this.clock(), conf));
    return this.conferenceSummary(conf);
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

  /** Hangs up a call; given a conference hosted here (or with no id, when it is the only call), ends the conference for everyone. */
  hangup(id?: string): CallSummary | ConferenceSummary {
    const conf = this.conferenceTarget(id);
    if (conf) {
      this.endConference(conf);
      return this.conferenceSummary(conf);
    }
    return this.act(this.pick(id, (c) => c.machine.state !== 'ended', 'in progress'), { type: 'hangup' });
  }

  /** Holds or resumes a call, or every call of a conference hosted here. */
  hold(id: string | undefined, on: boolean): CallSummary | ConferenceSummary {
    const conf = this.conferenceTarget(id);
    if (conf) return this.onEveryLeg(conf, (leg) => this.act(leg, { type: on ? 'hold' : 'resume' }));
    return this.act(this.pick(id, (c) => c.machine.state !== 'ended', 'in progress'), { type: on ? 'hold' : 'resume' });
  }

  /** Mutes a call, or the host in a conference hosted here (named by its id, or by any of its calls': the host's microphone is one). */
  mute(id: string | undefined, muted: boolean): CallSummary | ConferenceSummary {
    const conf = this.conferenceTarget(id) ?? (id !== undefined ? (this.calls.get(id)?.conference ?? null) : null);
    if (conf) {
      conf.muted = muted;
      return this.onEveryLeg(conf, (leg) => this.act(leg, { type: 'mute', muted }));
    }
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

  /** A conference hosted here, in progress or recently ended. */
  getConference(id: string): ConferenceSummary {
    const conf = this.conferences.get(id);
    if (conf) return this.conferenceSummary(conf);
    const done = this.endedConferences.get(id);
    if (done) return done;
    throw new CallError('NOT_FOUND', `no conference ${id.slice(0, 40)}`);
  }

  /** The conferences hosted here in progress. */
  liveConferences(): ConferenceSummary[] {
    return [...this.conferences.values()].map((c) => this.conferenceSummary(c));
  }

  /**
   * Live audio for a call in progress (or, by a conference's id, for its host): the client's
   * microphone frames become what this side sends, and each frame played goes to `onHeard`. One
   * client at a time: a second one takes over, and the first is closed. Closed when the call ends.
   */
  attachAudio(id: string, onHeard: (frame: Frame) => void, onClose: (reason: string) => void): LiveAudio {
    const conf = this.conferences.get(id);
    const call = conf ? null : this.calls.get(id);
    if (!conf && (!call || call.quiet || call.machine.state === 'ended')) throw new CallError('NOT_FOUND', `no call ${id.slice(0, 40)} in progress`);
    if (call?.conference) throw new CallError('NOT_NOW', `the call is part of conference ${call.conference.id}: its audio is the conference's`);
    const feed = (conf ?? call) as Feed;
    feed.live?.close('another client took the audio');
    const live = new LiveAudio(onHeard, onClose);
    feed.live = live;
    return live;
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
      call = this.incoming(id, s.call, from, s.roster.length > 0 ? s.roster.slice(0, CONFERENCE_MAX) : null);
      call.handled.add(`${from.key}/${s.n}`);
      return;
    }
    if (!call.devices.has(from.key) || call.handled.has(`${from.key}/${s.n}`)) return;
    call.handled.add(`${from.key}/${s.n}`);
    if (s.signal === 'roster') {
      // The host's word on who is in (a host's own legs take no roster: each side would be host).
      const roster = s.roster.slice(0, CONFERENCE_MAX);
      if (call.conference === null && roster.length > 0 && roster.join('\n') !== call.roster?.join('\n')) {
        call.roster = roster;
        this.emit(call);
      }
      return;
    }
    const input = toInput(s, from.key, call.roster !== null);
    if (!input) return;
    call.machine.handle(input, now);
    this.drain(call);
  }

  /** Ends every call (hung up; a conference hosted here for everyone) and stops the clock. */
  close(): void {
    for (const conf of [...this.conferences.values()]) this.endConference(conf);
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

  /** The reachable devices of each of `usernames`; NOT_FOUND (naming who) unless each has one. */
  private async lookUp(usernames: readonly string[]): Promise<Reached[]> {
    const reached = await Promise.all(usernames.map((u) => this.o.transport.devices(u)));
    const missing = usernames.filter((_u, i) => (reached[i] as Reached).length === 0);
    if (missing.length > 0) throw new CallError('NOT_FOUND', `${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no device that can be reached now`);
    return reached;
  }

  /** Invites a user's devices: a call of its own, or a leg of a conference hosted here. */
  private place(devices: Reached, dialedAt: number, conf: Conference | null): Call {
    const idBytes = new Uint8Array(randomBytes(CALL_ID_BYTES));
    const id = hex(idBytes);
    const machine = CallMachine.dial(id, devices.map((d) => d.key), dialedAt);
    const call = this.track({ id, idBytes, machine, peerName: (devices[0] as Reached[number]).username, devices: new Set(devices.map((d) => d.key)), quiet: false, conference: conf, roster: null });
    conf?.legs.push(id);
    return call;
  }

  /** Makes a two-party call a conference hosted here (an id of its own: the call stays a leg that can be hung up alone); the call's audio becomes the host's. */
  private hostConference(call: Call): Conference {
    const m = call.machine;
    const conf: Conference = { id: hex(new Uint8Array(randomBytes(CALL_ID_BYTES))), legs: [call.id], finals: new Map(), startedAt: m.startedAt, answeredAt: m.answeredAt, endedAt: null, muted: m.muted, roster: [], final: null, audio: call.audio, source: call.source, position: call.position, heard: call.heard, echo: call.echo, framesHeard: call.framesHeard };
    conf.live = call.live ?? null;
    call.audio = {};
    call.source = null;
    call.heard = [];
    call.echo = [];
    call.live = null;
    call.conference = conf;
    this.conferences.set(conf.id, conf);
    return conf;
  }

  /** Who is in a conference: the host, and each participant who answered and has not left. */
  private rosterOf(conf: Conference): string[] {
    const inNow = conf.legs.flatMap((id) => this.calls.get(id) ?? []).filter(answered);
    return [this.o.username, ...new Set(inNow.map((c) => c.peerName))];
  }

  /** Tells every participant when who is in has changed. */
  private refreshRoster(conf: Conference): void {
    const roster = this.rosterOf(conf);
    if (roster.join('\n') === conf.roster.join('\n')) return;
    conf.roster = roster;
    for (const id of conf.legs) {
      const leg = this.calls.get(id);
      if (leg?.machine.peer && answered(leg)) this.signal(leg, leg.machine.peer, { type: 'roster' });
    }
    this.emitConference(conf);
  }

  /** The host leaves: every participant's call ends ("conference-ended"), and one still ringing is cancelled. */
  private endConference(conf: Conference): void {
    for (const id of [...conf.legs]) {
      const leg = this.calls.get(id);
      if (!leg || leg.machine.state === 'ended') continue;
      // A leg is the host's own call (dialled, or answered before it became a conference): never ringing here.
      leg.machine.handle({ type: 'hangup', endsConference: leg.machine.answeredAt !== null }, this.clock());
      this.drain(leg);
    }
  }

  /** A leg ended: the roster changes, and with no leg left the conference is over. */
  private legEnded(conf: Conference, leg: Call): void {
    if (leg.final) conf.finals.set(leg.id, leg.final);
    while (conf.legs.length > CONFERENCE_LEGS_KEPT) {
      const oldest = conf.legs.findIndex((id) => !this.calls.has(id));
      if (oldest < 0) break;
      conf.finals.delete(conf.legs[oldest] as string);
      conf.legs.splice(oldest, 1);
    }
    if (conf.legs.some((id) => this.calls.has(id))) {
      this.refreshRoster(conf);
      return;
    }
    conf.endedAt = this.clock();
    conf.live?.close('the conference ended');
    conf.roster = [this.o.username];
    this.conferences.delete(conf.id);
    const recording = this.record(conf);
    conf.final = { ...this.conferenceSummary(conf), audio: { framesPlayed: conf.framesHeard, recording } };
    this.endedConferences.set(conf.id, conf.final);
    if (this.endedConferences.size > CONFERENCES_REMEMBERED) this.endedConferences.delete(this.endedConferences.keys().next().value as string);
    this.o.onEvent?.({ type: 'conference', conference: conf.final });
  }

  /** A conference hosted here that an action names: by its id, or (no id) when every call in progress is one of its legs. */
  private conferenceTarget(id: string | undefined): Conference | null {
    if (id !== undefined) return this.conferences.get(id) ?? null;
    const inProgress = [...this.calls.values()].filter((c) => !c.quiet && c.machine.state !== 'ended');
    const confs = new Set(inProgress.map((c) => c.conference));
    const only = confs.size === 1 ? [...confs][0] : null;
    return only ?? null;
  }

  /** An action on each live leg of a conference (one a leg's state refuses leaves that leg as it is). */
  private onEveryLeg(conf: Conference, act: (leg: Call) => void): ConferenceSummary {
    for (const id of conf.legs) {
      const leg = this.calls.get(id);
      if (!leg || !answered(leg)) continue;
      try {
        act(leg);
      } catch (e) {
        if (!(e instanceof CallError)) throw e;
      }
    }
    this.emitConference(conf);
    return this.conferenceSummary(conf);
  }

  private incoming(id: string, idBytes: Uint8Array, from: { key: string; account: string; username: string }, roster: string[] | null): Call {
    const now = this.clock();
    const machine = CallMachine.incoming(id, from.key, now);
    const allowed = this.o.accepts(from.account);
    const busy = [...this.calls.values()].some(answered);
    const call = this.track({ id, idBytes, machine, peerName: from.username, devices: new Set([from.key]), quiet: !allowed, conference: null, roster });
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
      // Read (and resampled) once: that takes a while, and every call would stall the media clock.
      if (a.mode === 'file') call.source = this.autoSource ??= readWav48k(a.path);
      call.audio = a.mode === 'echo' ? { echo: true } : {};
      this.drain(call);
      machine.handle({ type: 'answer' }, now);
    }
    this.drain(call);
    return call;
  }

  private track(c: Pick<Call, 'id' | 'idBytes' | 'machine' | 'peerName' | 'devices' | 'quiet' | 'conference' | 'roster'>): Call {
    const call: Call = { ...c, audio: {}, source: null, position: 0, heard: [], echo: [], framesHeard: 0, media: null, ringingAt: null, firstAudioAt: null, lastHeardAt: this.clock(), path: null, timer: null, nextSignal: 1, handled: new Set(), final: null };
    this.calls.set(call.id, call);
    return call;
  }

  /** A call by id, or the only one that fits; `oneConference`: the legs of one conference count as one (its first). */
  private pick(id: string | undefined, fits: (c: Call) => boolean, what: string, oneConference = false): Call {
    if (id !== undefined) {
      const call = this.calls.get(id);
      if (!call) throw new CallError('NOT_FOUND', `no call ${id.slice(0, 40)} in progress`);
      return call;
    }
    const all = [...this.calls.values()].filter((c) => !c.quiet && fits(c));
    const candidates = oneConference ? all.filter((c, i) => c.conference === null || all.findIndex((o) => o.conference === c.conference) === i) : all;
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

  private signal(call: Call, key: string, message: CallMessage | { readonly type: 'roster' }): void {
    const n = call.nextSignal++;
    // A conference's invitations and roster signals say who is in.
    const roster = call.conference && (message.type === 'invite' || message.type === 'roster') ? call.conference.roster : [];
    const wire = PeerCall.toMessage(
      {
        call: call.idBytes,
        n,
        signal: message.type,
        roster,
        ...(message.type === 'mute' ? { muted: message.muted } : {}),
        ...(message.type === 'cancel' ? { reason: message.reason } : {}),
        ...(message.type === 'bye' && message.endsConference === true ? { endsConference: true } : {}),
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
      if (call.conference && call.conference.answeredAt === null) call.conference.answeredAt = now;
      // A participant who answers after the host muted is told so too.
      if (call.conference?.muted && !call.machine.muted) call.machine.handle({ type: 'mute', muted: true }, now);
      this.startClock();
    }
    if (state === 'ended') this.finish(call);
    else {
      this.emit(call);
      if (call.conference) this.refreshRoster(call.conference);
    }
  }

  /** Writes what was heard to the recording asked for; its path, or null (none asked, or it could not be written). */
  private record(feed: Feed): string | null {
    if (feed.audio.audioOut === undefined) return null;
    const samples = new Int16Array(feed.heard.length * FRAME_SAMPLES);
    feed.heard.forEach((f, i) => samples.set(f, i * FRAME_SAMPLES));
    try {
      writeWav(feed.audio.audioOut, samples, SAMPLE_RATE);
      return feed.audio.audioOut;
    } catch {
      return null;
    }
  }

  private finish(call: Call): void {
    const now = this.clock();
    if (call.timer) clearTimeout(call.timer);
    call.timer = null;
    this.calls.delete(call.id);
    call.live?.close('the call ended');
    const recording = this.record(call);
    const stats = call.media?.buffer.stats;
    call.final = {
      ...this.summary(call),
      audio: stats ? { framesPlayed: call.framesHeard, fecRecovered: stats.fecRecovered, concealed: stats.concealed, recording } : null,
    };
    call.media = null;
    this.ended.set(call.id, call.final);
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.keys().next().value as string);
    if (!call.quiet) {
      const m = call.machine;
      this.o.history.addCall({ id: call.id, outgoing: m.role === 'caller', peer: call.peerName, startedAt: m.startedAt, answeredAt: m.answeredAt, endedAt: m.endedAt ?? now, reason: m.reason ?? 'failed', detail: m.detail, quality: call.final.quality });
      this.o.onEvent?.({ type: 'call', call: call.final });
    }
    if (call.conference) this.legEnded(call.conference, call);
    if (![...this.calls.values()].some((c) => c.media) && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  private emit(call: Call): void {
    if (!call.quiet) this.o.onEvent?.({ type: 'call', call: this.summary(call) });
  }

  private emitConference(conf: Conference): void {
    this.o.onEvent?.({ type: 'conference', conference: this.conferenceSummary(conf) });
  }

  private conferenceSummary(conf: Conference): ConferenceSummary {
    if (conf.final) return conf.final;
    return {
      id: conf.id,
      host: this.o.username,
      roster: conf.roster,
      startedAt: conf.startedAt,
      answeredAt: conf.answeredAt,
      endedAt: conf.endedAt,
      muted: conf.muted,
      calls: conf.legs.flatMap((id) => {
        const leg = this.calls.get(id);
        return leg ? [this.summary(leg)] : (conf.finals.get(id) ?? []);
      }),
      audio: null,
    };
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
      conference: call.conference ? { id: call.conference.id, host: this.o.username, roster: call.conference.roster } : call.roster ? { id: null, host: call.peerName, roster: call.roster } : null,
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
      for (const call of [...this.calls.values()]) if (!call.conference) this.frame(call, now);
      for (const conf of [...this.conferences.values()]) this.conferenceFrame(conf, now);
    }
  }

  /** One frame of a two-party call: send this side's, play the other's. */
  private frame(call: Call, t: number): void {
    if (!call.media || !call.machine.peer) return;
    this.send(call, call.machine.state === 'active' ? nextFrame(call, call.machine.muted) : null, t);
    const heard = this.play(call, t);
    if (heard) hear(call, heard);
    // A call whose only source is a file is the caller's to end.
    this.check(call, t, ends(call, call.machine.answeredAt, t, call.machine.role === 'caller'));
  }

  /** One frame of a conference hosted here: play each leg's, mix all but one for each (the host too), send each leg its mix. */
  private conferenceFrame(conf: Conference, t: number): void {
    const legs = conf.legs.flatMap((id) => this.calls.get(id) ?? []).filter((c) => c.media !== null && c.machine.peer !== null);
    if (legs.length === 0) return;
    // A held leg neither hears nor is heard.
    const heard = legs.map((leg) => {
      const f = this.play(leg, t);
      return leg.machine.state === 'active' ? f : null;
    });
    const mixes = mixAllButOne([nextFrame(conf, conf.muted), ...heard]);
    conf.framesHeard++;
    hear(conf, mixes[0] as Frame);
    legs.forEach((leg, i) => this.send(leg, leg.machine.state === 'active' ? (mixes[i + 1] as Frame) : null, t));
    const over = ends(conf, conf.answeredAt, t, true);
    for (const leg of legs) this.check(leg, t, false);
    if (over) this.endConference(conf);
  }

  private send(call: Call, frame: Frame | null, t: number): void {
    const p = (call.media as MediaStream).send(frame, t);
    if (!p) return;
    this.stats.mediaSent++;
    this.o.transport.send(call.machine.peer as string, PeerMedia.toMessage({ ...p, call: call.idBytes }, 0));
  }

  private play(call: Call, t: number): Frame | null {
    const media = call.media as MediaStream;
    const heard = media.play(t);
    if (heard) call.framesHeard++;
    if (heard && call.firstAudioAt === null && media.buffer.stats.played > 0) call.firstAudioAt = t;
    return heard;
  }

  /** A leg's path now and then, its end when due, and its failure when the other side has gone quiet. */
  private check(call: Call, t: number, hangUp: boolean): void {
    const peer = call.machine.peer as string;
    let acted = false;
    if (this.ticks % PATH_POLL_FRAMES === 0) {
      const path = this.o.transport.path(peer);
      if (path !== null && path !== call.path) {
        call.path = path;
        call.machine.handle({ type: 'path', path }, t);
        acted = true;
      }
    }
    if (hangUp) call.machine.handle({ type: 'hangup' }, t);
    else if (t - call.lastHeardAt >= CALL_MEDIA_TIMEOUT_MS) call.machine.handle({ type: 'failed', reason: 'connection lost: nothing heard from the other device for 10 s' }, t);
    else if (!acted) return;
    this.drain(call);
  }
}

/** A feed's next frame to send: silence when muted; else its file, the echo of what it heard, or silence. */
function nextFrame(feed: Feed, muted: boolean): Frame {
  // A live client's microphone frames are taken even while muted (and dropped), so they do not pile up.
  const live = feed.live && !feed.live.isClosed ? feed.live.next() : null;
  const frame = new Int16Array(FRAME_SAMPLES);
  if (muted) return frame;
  if (live) return live;
  if (feed.source) {
    frame.set(feed.source.subarray(feed.position, feed.position + FRAME_SAMPLES));
    feed.position += FRAME_SAMPLES;
    return frame;
  }
  if (feed.audio.echo) return feed.echo.shift() ?? frame;
  return frame;
}

/** Keeps a heard frame for the recording and the echo, as asked. */
function hear(feed: Feed, frame: Frame): void {
  feed.live?.heard(frame);
  if (feed.audio.audioOut !== undefined) feed.heard.push(frame);
  if (feed.audio.echo) feed.echo.push(frame);
}

/** Whether a feed's call is due to end: its duration is up, or (`fileEnds`) its file is done and drained. */
function ends(feed: Feed, answeredAt: number | null, t: number, fileEnds: boolean): boolean {
  if (feed.audio.durationMs !== undefined) return t - (answeredAt ?? t) >= feed.audio.durationMs;
  return fileEnds && feed.source !== null && feed.position >= feed.source.length + (FILE_TAIL_MS / FRAME_MS) * FRAME_SAMPLES;
}

/** A signalling message as the machine's input. */
function toInput(s: { signal: string; muted?: boolean; reason?: 'cancelled' | 'answered-elsewhere' | 'no-answer'; endsConference?: boolean }, device: string, inConference: boolean): CallInput | null {
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
      // Only a conference's host can end one.
      return { type: 'remote-bye', endsConference: inConference && s.endsConference === true };
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
