// The daemon's state as the signed-in app holds it (contacts, presence, conversations, calls, history) and the reducer that events and reloads feed.
import type { Call, CallRecord, Conference, Contact, Conversation, Message, Presence } from './api';

export interface PresenceInfo {
  readonly presence: Presence;
  readonly mood: string | null;
}

export interface DaemonState {
  readonly contacts: readonly Contact[];
  /** By lower-case username. */
  readonly presence: Readonly<Record<string, PresenceInfo>>;
  readonly conversations: readonly Conversation[];
  /** Calls by id: the ones in progress, and ended ones seen here (their last state). */
  readonly calls: Readonly<Record<string, Call>>;
  /** Conferences hosted here by id (their last state). */
  readonly conferences: Readonly<Record<string, Conference>>;
  readonly history: readonly CallRecord[];
  /** Whether contacts and conversations were loaded once. */
  readonly loaded: boolean;
}

export const initialState: DaemonState = { contacts: [], presence: {}, conversations: [], calls: {}, conferences: {}, history: [], loaded: false };

export type Action =
  | { type: 'contacts'; contacts: Contact[] }
  | { type: 'contact'; contact: Contact }
  | { type: 'presence'; username: string; info: PresenceInfo }
  | { type: 'conversations'; conversations: Conversation[] }
  | { type: 'message'; kind: 'message' | 'edited' | 'deleted' | 'state'; message: Message }
  | { type: 'read'; conversation: string }
  | { type: 'calls'; calls: Call[] }
  | { type: 'call'; call: Call }
  | { type: 'conference'; conference: Conference }
  | { type: 'history'; history: CallRecord[] };

const newestFirst = (a: Conversation, b: Conversation): number => (b.last?.sentAt ?? 0) - (a.last?.sentAt ?? 0);

function onMessage(list: readonly Conversation[], kind: Action & { type: 'message' }): Conversation[] | null {
  const m = kind.message;
  const c = list.find((x) => x.id === m.conversation);
  if (!c) return null;
  const isNew = kind.kind === 'message' && c.last?.id !== m.id;
  const last = !c.last || c.last.id === m.id || (isNew && m.sentAt >= c.last.sentAt) ? m : c.last;
  const unread = c.unread + (isNew && !m.outgoing && m.state === 'received' ? 1 : 0);
  return list.map((x) => (x === c ? { ...c, last, unread } : x)).sort(newestFirst);
}

export function reducer(s: DaemonState, a: Action): DaemonState {
  switch (a.type) {
    case 'contacts':
      return { ...s, contacts: a.contacts, loaded: true };
    case 'contact': {
      const rest = s.contacts.filter((c) => c.account !== a.contact.account && c.username !== a.contact.username);
      return { ...s, contacts: [...rest, a.contact] };
    }
    case 'presence':
      return { ...s, presence: { ...s.presence, [a.username.toLowerCase()]: a.info } };
    case 'conversations':
      return { ...s, conversations: [...a.conversations].sort(newestFirst) };
    case 'message': {
      const conversations = onMessage(s.conversations, a);
      return conversations ? { ...s, conversations } : s;
    }
    case 'read':
      return { ...s, conversations: s.conversations.map((c) => (c.id === a.conversation && c.unread > 0 ? { ...c, unread: 0 } : c)) };
    case 'calls': {
      // Ended calls seen here stay (a call screen may still show one); the others are as the daemon says.
      const calls: Record<string, Call> = {};
      for (const c of Object.values(s.calls)) if (c.state === 'ended') calls[c.id] = c;
      for (const c of a.calls) calls[c.id] = c;
      return { ...s, calls };
    }
    case 'call': {
      const old = s.calls[a.call.id];
      // A late answer (a poll sent before the call ended) does not bring an ended call back.
      if (old?.state === 'ended' && a.call.state !== 'ended') return s;
      return { ...s, calls: { ...s.calls, [a.call.id]: a.call } };
    }
    case 'conference': {
      const old = s.conferences[a.conference.id];
      if (old && old.endedAt !== null && a.conference.endedAt === null) return s;
      return { ...s, conferences: { ...s.conferences, [a.conference.id]: a.conference } };
    }
    case 'history':
      return { ...s, history: a.history };
  }
}

/** Whether a call was answered and has not ended (its audio runs). */
export const isLive = (c: Call): boolean => c.answeredAt !== null && c.state !== 'ended' && c.state !== 'incoming' && c.state !== 'calling' && c.state !== 'ringing';

/** A Conference (from POST /v1/calls or /add, or a conference event) rather than a Call. */
export const isConference = (x: Call | Conference): x is Conference => 'calls' in x && 'roster' in x;
