// What a call screen shows, worked out from the daemon state: a two-party call, a conference hosted here, or one I was invited to.
import type { Call, Conference } from './api';
import { reasonText } from './format';

/** The call a call screen is about: dialled or answered here (id null while the dial is under way). */
export interface Session {
  readonly key: string;
  readonly id: string | null;
  readonly conference: boolean;
  readonly peer: string;
}

export type Phase = 'connecting' | 'live' | 'ended';

export interface CallView {
  /** The screen's region name: "Call with NAME", or "Conference". */
  readonly label: string;
  readonly title: string;
  /** Whose conference it is, when I was invited to one. */
  readonly host: string | null;
  /** The id the call actions take (a conference's when there is one). */
  readonly actionId: string | null;
  readonly phase: Phase;
  readonly stateText: string;
  /** Put on hold here (the button says Resume). */
  readonly held: boolean;
  readonly answeredAt: number | null;
  readonly mos: number | null;
  readonly roster: readonly string[] | null;
  readonly canAdd: boolean;
  readonly muted: boolean;
  readonly remoteMuted: boolean;
  /** The calls to poll for quality while live. */
  readonly pollIds: readonly string[];
}

const answered = (c: Call): boolean => c.answeredAt !== null && c.state !== 'ended';
const heldHere = (c: Call): boolean => c.state === 'local-hold' || c.state === 'both-hold';
const minOf = (xs: readonly number[]): number | null => (xs.length ? Math.min(...xs) : null);

function stateText(c: Call): string {
  switch (c.state) {
    case 'calling':
      return 'Calling…';
    case 'ringing':
      return 'Ringing…';
    case 'incoming':
      return 'Incoming call…';
    case 'active':
      return 'Connected';
    case 'local-hold':
    case 'both-hold':
      return 'On hold';
    case 'remote-hold':
      return `${c.peer} put the call on hold`;
    case 'ended':
      return `Call ended (${reasonText(c.reason)})`;
  }
}

function conferenceView(confId: string, calls: Readonly<Record<string, Call>>, conf: Conference | undefined, me: string): CallView {
  const legs = new Map<string, Call>();
  for (const c of conf?.calls ?? []) legs.set(c.id, c);
  for (const c of Object.values(calls)) if (c.conference?.id === confId && legs.get(c.id)?.state !== 'ended') legs.set(c.id, c);
  const all = [...legs.values()];
  const inNow = all.filter(answered);
  const ended = (conf !== undefined && conf.endedAt !== null) || (all.length > 0 && all.every((c) => c.state === 'ended'));
  const answeredAt = minOf(all.flatMap((c) => (c.answeredAt !== null ? [c.answeredAt] : [])));
  const phase: Phase = ended ? 'ended' : answeredAt !== null ? 'live' : 'connecting';
  const held = inNow.length > 0 && inNow.every(heldHere);
  const ringing = all.some((c) => c.state === 'ringing');
  const lastEnded = [...all].sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0)).at(-1);
  const text =
    phase === 'ended'
      ? `Call ended (${reasonText(lastEnded?.reason)})`
      : held
        ? 'On hold'
        : inNow.length > 0
          ? 'Connected'
          : ringing
            ? 'Ringing…'
            : 'Calling…';
  return {
    label: 'Conference',
    title: 'Conference',
    host: null,
    actionId: confId,
    phase,
    stateText: text,
    held,
    answeredAt,
    mos: minOf(inNow.flatMap((c) => (c.quality ? [c.quality.mos] : []))),
    roster: conf?.roster ?? all.find((c) => c.conference)?.conference?.roster ?? [me],
    canAdd: true,
    muted: conf?.muted ?? inNow.some((c) => c.muted),
    remoteMuted: false,
    pollIds: inNow.map((c) => c.id),
  };
}

export function callView(session: Session, calls: Readonly<Record<string, Call>>, conferences: Readonly<Record<string, Conference>>, me: string): CallView {
  if (session.conference && session.id !== null) return conferenceView(session.id, calls, conferences[session.id], me);
  const call = session.id !== null ? calls[session.id] : undefined;
  if (call?.conference?.id) return conferenceView(call.conference.id, calls, conferences[call.conference.id], me);
  if (!call) {
    return { label: `Call with ${session.peer}`, title: session.peer, host: null, actionId: session.id, phase: 'connecting', stateText: 'Calling…', held: false, answeredAt: null, mos: null, roster: null, canAdd: false, muted: false, remoteMuted: false, pollIds: [] };
  }
  const invited = call.conference !== null;
  const phase: Phase = call.state === 'ended' ? 'ended' : call.answeredAt !== null ? 'live' : 'connecting';
  return {
    label: invited ? 'Conference' : `Call with ${call.peer}`,
    title: invited ? 'Conference' : call.peer,
    host: invited ? (call.conference?.host ?? call.peer) : null,
    actionId: call.id,
    phase,
    stateText: stateText(call),
    held: heldHere(call),
    answeredAt: call.answeredAt,
    mos: call.quality?.mos ?? null,
    roster: call.conference?.roster ?? null,
    canAdd: !invited,
    muted: call.muted,
    remoteMuted: call.remoteMuted,
    pollIds: phase === 'live' ? [call.id] : [],
  };
}
