/**
 * Call signalling, sans-I/O (issue #8): one call as one device sees it, caller or callee. Every
 * transition is in TRANSITIONS below, one table: a state and an event give the next state (or
 * the call's end, with a reason) and what to send. The driver (a later piece) carries the
 * messages end-to-end encrypted between the devices, through supernodes, and feeds back what
 * arrives; time comes in as `now`, and `nextDeadline()` says when `timeout(now)` is due.
 *
 * The caller invites every device of the callee; each rings and says so; the first to answer gets
 * the call and the caller tells the others it was answered elsewhere, so they stop ringing. A call
 * is declined or busy once every invited device has said so; nobody answering within
 * CALL_RING_MS is "no answer"; nobody even ringing within CALL_SETUP_MS is a failure
 * ("unreachable"). Either side may hold and resume (both may hold at once), mute (a local matter,
 * told to the other side for its display), and hang up. A path change under a live call (relay to
 * direct, a new address) is reported without changing the state.
 */

/** A callee device waits this long for an answer (then "no answer"; its screen says "missed"). */
export const CALL_RING_MS = 60_000;
/** A call that no device of the callee acknowledged within this long fails ("unreachable"). */
export const CALL_SETUP_MS = 15_000;
/** Devices one call invites at most (an account has a few). */
export const CALL_DEVICES_MAX = 16;

export type CallRole = 'caller' | 'callee';

export const CALL_STATES = ['calling', 'ringing', 'incoming', 'active', 'local-hold', 'remote-hold', 'both-hold', 'ended'] as const;
export type CallState = (typeof CALL_STATES)[number];

/** Why a call ended. */
export const END_REASONS = ['hung-up', 'remote-hung-up', 'declined', 'busy', 'no-answer', 'cancelled', 'answered-elsewhere', 'missed', 'failed', 'conference-ended'] as const;
export type EndReason = (typeof END_REASONS)[number];

/** What happens to a call: local actions, messages from the other side (`device`: which of its devices), and time. */
export type CallInput =
  | { readonly type: 'answer' }
  | { readonly type: 'decline' }
  | { readonly type: 'busy' }
  | { readonly type: 'hangup'; readonly endsConference?: boolean }
  | { readonly type: 'hold' }
  | { readonly type: 'resume' }
  | { readonly type: 'mute'; readonly muted: boolean }
  | { readonly type: 'path'; readonly path: string }
  | { readonly type: 'failed'; readonly reason: string }
  | { readonly type: 'remote-ringing'; readonly device: string }
  | { readonly type: 'remote-answered'; readonly device: string }
  | { readonly type: 'remote-declined'; readonly device: string }
  | { readonly type: 'remote-busy'; readonly device: string }
  | { readonly type: 'remote-cancelled'; readonly reason: 'cancelled' | 'answered-elsewhere' | 'no-answer' }
  | { readonly type: 'remote-bye'; readonly endsConference?: boolean }
  | { readonly type: 'remote-hold' }
  | { readonly type: 'remote-resume' }
  | { readonly type: 'remote-mute'; readonly muted: boolean }
  | { readonly type: 'timeout' };
export type CallInputType = CallInput['type'];

/** What the signalling sends: to one device of the other side, or to every invited one still in the call. */
export type CallMessage =
  | { readonly type: 'invite' }
  | { readonly type: 'ringing' }
  | { readonly type: 'answer' }
  | { readonly type: 'decline' }
  | { readonly type: 'busy' }
  | { readonly type: 'cancel'; readonly reason: 'cancelled' | 'answered-elsewhere' | 'no-answer' }
  | { readonly type: 'bye'; readonly endsConference?: boolean }
  | { readonly type: 'hold' }
  | { readonly type: 'resume' }
  | { readonly type: 'mute'; readonly muted: boolean };

/** A send to every invited device still in the call. */
export const ALL_DEVICES = '*';

/** What the machine asks of its driver. */
export type CallOutput =
  | { readonly type: 'send'; readonly to: string; readonly message: CallMessage }
  | { readonly type: 'state'; readonly state: CallState; readonly reason: EndReason | null; readonly detail: string | null }
  | { readonly type: 'path'; readonly path: string }
  | { readonly type: 'remote-muted'; readonly muted: boolean };

/** A refusal of a local action in this state (the call is unchanged). */
export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    readonly code: 'NOT_NOW' | 'BAD_INPUT' | 'NOT_FOUND',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A transition's effect: the next state (or an end, with why), and what to do. */
export interface Transition {
  readonly to: CallState;
  readonly reason?: EndReason;
  readonly detail?: string;
  readonly out?: readonly CallOutput[];
}
/** A table entry; `null`: this input is ignored here. */
type Step = (call: CallMachine, input: never) => Transition | null;

const send = (to: string, message: CallMessage): CallOutput => ({ type: 'send', to, message });
const end = (reason: EndReason, out: CallOutput[] = [], detail?: string): Transition => ({ to: 'ended', reason, out, ...(detail !== undefined ? { detail } : {}) });
const stay = (call: CallMachine, out: CallOutput[] = []): Transition => ({ to: call.state, out });
const LIVE = ['active', 'local-hold', 'remote-hold', 'both-hold'] as const;

/** Hold states: [we hold, they hold] -> state. */
const holdState = (local: boolean, remote: boolean): CallState => (local ? (remote ? 'both-hold' : 'local-hold') : remote ? 'remote-hold' : 'active');
const holds = (s: CallState): [boolean, boolean] => [s === 'local-hold' || s === 'both-hold', s === 'remote-hold' || s === 'both-hold'];

/** Steps shared by the live states. */
const live: Partial<Record<CallInputType, Step>> = {
  // A conference's host leaving ends it for everyone (call-manager.ts): its bye says so.
  hangup: (c, i: { endsConference?: boolean }) => end('hung-up', [send(c.peer ?? ALL_DEVICES, i.endsConference === true ? { type: 'bye', endsConference: true } : { type: 'bye' })]),
  'remote-bye': (_c, i: { endsConference?: boolean }) => (i.endsConference === true ? end('conference-ended', [], 'the host left, which ends the conference') : end('remote-hung-up')),
  hold: (c) => {
    const [local, remote] = holds(c.state);
    return local ? null : { to: holdState(true, remote), out: [send(c.peer ?? ALL_DEVICES, { type: 'hold' })] };
  },
  resume: (c) => {
    const [local, remote] = holds(c.state);
    return local ? { to: holdState(false, remote), out: [send(c.peer ?? ALL_DEVICES, { type: 'resume' })] } : null;
  },
  'remote-hold': (c) => ({ to: holdState(holds(c.state)[0], true) }),
  'remote-resume': (c) => ({ to: holdState(holds(c.state)[0], false) }),
  mute: (c, i: { muted: boolean }) => stay(c, [send(c.peer ?? ALL_DEVICES, { type: 'mute', muted: i.muted })]),
  'remote-mute': (c, i: { muted: boolean }) => stay(c, [{ type: 'remote-muted', muted: i.muted }]),
  path: (c, i: { path: string }) => stay(c, [{ type: 'path', path: i.path }]),
  failed: (c, i: { reason: string }) => end('failed', [send(c.peer ?? ALL_DEVICES, { type: 'bye' })], i.reason),
};

/**
 * The transition table: for each state, the inputs it takes. An input a state does not list is
 * refused (a local action: CallError NOT_NOW) or ignored (a message or timer that came late).
 */
export const TRANSITIONS: Record<CallState, Partial<Record<CallInputType, Step>>> = {
  // Caller: invited every device, none has said it rings yet.
  calling: {
    'remote-ringing': (c, i: { device: string }) => (c.responded(i.device, 'ringing') ? { to: 'ringing' } : null),
    'remote-answered': (c, i: { device: string }) => c.answeredBy(i.device),
    'remote-declined': (c, i: { device: string }) => c.refusedBy(i.device, 'declined'),
    'remote-busy': (c, i: { device: string }) => c.refusedBy(i.device, 'busy'),
    hangup: () => end('cancelled', [send(ALL_DEVICES, { type: 'cancel', reason: 'cancelled' })]),
    timeout: () => end('failed', [send(ALL_DEVICES, { type: 'cancel', reason: 'cancelled' })], 'unreachable: no device of the callee answered the invitation'),
    failed: (_c, i: { reason: string }) => end('failed', [send(ALL_DEVICES, { type: 'cancel', reason: 'cancelled' })], i.reason),
    mute: (c) => stay(c),
  },
  // Caller: at least one device rings.
  ringing: {
    'remote-ringing': (c, i: { device: string }) => (c.responded(i.device, 'ringing') ? stay(c) : null),
    'remote-answered': (c, i: { device: string }) => c.answeredBy(i.device),
    'remote-declined': (c, i: { device: string }) => c.refusedBy(i.device, 'declined'),
    'remote-busy': (c, i: { device: string }) => c.refusedBy(i.device, 'busy'),
    hangup: () => end('cancelled', [send(ALL_DEVICES, { type: 'cancel', reason: 'cancelled' })]),
    timeout: () => end('no-answer', [send(ALL_DEVICES, { type: 'cancel', reason: 'no-answer' })]),
    failed: (_c, i: { reason: string }) => end('failed', [send(ALL_DEVICES, { type: 'cancel', reason: 'cancelled' })], i.reason),
    mute: (c) => stay(c),
  },
  // Callee device: it rings.
  incoming: {
    answer: (c) => ({ to: 'active', out: [send(c.peer ?? ALL_DEVICES, { type: 'answer' })] }),
    decline: (c) => end('declined', [send(c.peer ?? ALL_DEVICES, { type: 'decline' })]),
    busy: (c) => end('busy', [send(c.peer ?? ALL_DEVICES, { type: 'busy' })]),
    hangup: (c) => end('declined', [send(c.peer ?? ALL_DEVICES, { type: 'decline' })]),
    // The caller gave up or nobody answered in time: missed here; or another device of this user took it.
    'remote-cancelled': (_c, i: { reason: 'cancelled' | 'answered-elsewhere' | 'no-answer' }) => end(i.reason === 'answered-elsewhere' ? 'answered-elsewhere' : 'missed', [], i.reason),
    timeout: () => end('missed'),
    failed: (_c, i: { reason: string }) => end('failed', [], i.reason),
  },
  active: live,
  'local-hold': live,
  'remote-hold': live,
  'both-hold': live,
  ended: {},
};

/** Local actions: refused (not ignored) where the table has no entry. */
const LOCAL: ReadonlySet<CallInputType> = new Set(['answer', 'decline', 'busy', 'hangup', 'hold', 'resume', 'mute']);

/** One call, as one device sees it. */
export class CallMachine {
  state: CallState;
  reason: EndReason | null = null;
  detail: string | null = null;
  /** The other side's device in the call: the callee device that answered, or (callee) the caller's. */
  peer: string | null;
  muted = false;
  remoteMuted = false;
  /** When the call started, when it was answered, when it ended (ms). */
  readonly startedAt: number;
  answeredAt: number | null = null;
  endedAt: number | null = null;
  /** Caller: what each invited device has said. */
  private readonly devices = new Map<string, 'invited' | 'ringing' | 'declined' | 'busy'>();
  private deadline: number | null;
  private readonly outputs: CallOutput[] = [];

  private constructor(
    readonly id: string,
    readonly role: CallRole,
    now: number,
    peer: string | null,
  ) {
    this.startedAt = now;
    this.peer = peer;
    this.state = role === 'caller' ? 'calling' : 'incoming';
    this.deadline = now + (role === 'caller' ? CALL_SETUP_MS : CALL_RING_MS);
  }

  /** A call this device makes to these devices of the callee: invites each. */
  static dial(id: string, devices: readonly string[], now: number): CallMachine {
    if (devices.length === 0) throw new CallError('BAD_INPUT', 'the callee has no device to call');
    if (devices.length > CALL_DEVICES_MAX) throw new CallError('BAD_INPUT', `at most ${CALL_DEVICES_MAX} devices per call`);
    const call = new CallMachine(id, 'caller', now, null);
    for (const d of new Set(devices)) {
      call.devices.set(d, 'invited');
      call.outputs.push(send(d, { type: 'invite' }));
    }
    call.outputs.push({ type: 'state', state: 'calling', reason: null, detail: null });
    return call;
  }

  /** A call that arrived from the caller's `device`: it rings here, and the caller is told. */
  static incoming(id: string, device: string, now: number): CallMachine {
    const call = new CallMachine(id, 'callee', now, device);
    call.outputs.push(send(device, { type: 'ringing' }), { type: 'state', state: 'incoming', reason: null, detail: null });
    return call;
  }

  /** Feeds an input. A local action the state does not take throws CallError (and changes nothing); anything else not taken is ignored. */
  handle(input: CallInput, now: number): void {
    const step = TRANSITIONS[this.state][input.type] as ((call: CallMachine, input: CallInput) => Transition | null) | undefined;
    const result = step ? step(this, input) : null;
    if (!result) {
      if (LOCAL.has(input.type)) throw new CallError('NOT_NOW', `cannot ${input.type} a call that is ${this.state}${this.reason ? ` (${this.reason})` : ''}`);
      return;
    }
    if (input.type === 'mute') this.muted = (input as { muted: boolean }).muted;
    if (input.type === 'remote-mute') this.remoteMuted = (input as { muted: boolean }).muted;
    this.outputs.push(...(result.out ?? []));
    if (result.to === this.state) return;
    this.state = result.to;
    if (result.to === 'ended') {
      this.reason = result.reason ?? null;
      this.detail = result.detail ?? null;
      this.endedAt = now;
      this.deadline = null;
    } else if (result.to === 'ringing') {
      this.deadline = now + CALL_RING_MS;
    } else if ((LIVE as readonly CallState[]).includes(result.to) && this.answeredAt === null) {
      this.answeredAt = now;
      this.deadline = null;
    }
    this.outputs.push({ type: 'state', state: this.state, reason: this.reason, detail: this.detail });
  }

  /** Runs the timer if it is due. */
  timeout(now: number): void {
    if (this.deadline !== null && now >= this.deadline) this.handle({ type: 'timeout' }, now);
  }

  /** When `timeout` is next due, or null. */
  nextDeadline(): number | null {
    return this.deadline;
  }

  /** The next output, or null. */
  poll(): CallOutput | null {
    return this.outputs.shift() ?? null;
  }

  // Helpers for the table (caller side).

  /** Records what an invited device said; false for a device that was not invited (ignored). */
  responded(device: string, said: 'ringing' | 'declined' | 'busy'): boolean {
    if (!this.devices.has(device)) return false;
    this.devices.set(device, said);
    return true;
  }

  /** An invited device answered: the call is its, and the others are told it was answered elsewhere. */
  answeredBy(device: string): Transition | null {
    if (!this.devices.has(device)) return null;
    this.peer = device;
    const others = [...this.devices.keys()].filter((d) => d !== device);
    return { to: 'active', out: others.map((d) => send(d, { type: 'cancel', reason: 'answered-elsewhere' })) };
  }

  /** An invited device declined or is busy: the call ends so once every device has refused (busy if any was busy). */
  refusedBy(device: string, said: 'declined' | 'busy'): Transition | null {
    if (!this.responded(device, said)) return null;
    const answers = [...this.devices.values()];
    if (answers.some((a) => a === 'invited' || a === 'ringing')) return { to: this.state };
    return end(answers.includes('busy') ? 'busy' : 'declined');
  }
}
