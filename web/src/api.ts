/**
 * The web client's view of its daemon's local API (src/api/server.ts, on the same origin): REST
 * with the web token as a bearer token, and the event stream on /v1/events. The token comes in the
 * link the daemon prints (`#token=...`; a new one at each start of the daemon) and is kept in this
 * tab's sessionStorage (a reload keeps it; nothing outlives the tab).
 */

export type Presence = 'online' | 'away' | 'busy' | 'offline';
export type ContactState = 'requested' | 'pending' | 'accepted' | 'declined' | 'blocked';
export type MessageState = 'sending' | 'sent' | 'delivered' | 'read' | 'received';

export interface Status {
  readonly signedIn: boolean;
  readonly network: string;
  readonly username?: string;
  /** The account's key (the username's canonical form), which messages and typing notices name. */
  readonly accountKey?: string;
  readonly presence?: Presence;
  readonly mood?: string | null;
  readonly attached?: string[];
}

export interface Contact {
  readonly account: string;
  readonly username: string;
  readonly state: ContactState;
  readonly greeting: string | null;
  readonly updatedAt: number;
}

export interface Message {
  readonly id: string;
  readonly conversation: string;
  readonly sender: string;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly text: string;
  readonly editedAt: number | null;
  readonly deleted: boolean;
  readonly outgoing: boolean;
  readonly state: MessageState;
}

export interface Conversation {
  readonly id: string;
  readonly title: string | null;
  readonly members: string[];
  readonly unread: number;
  readonly last: Message | null;
}

export interface SearchHit {
  readonly message: Message;
  readonly snippet: string;
}

export type CallState = 'calling' | 'ringing' | 'incoming' | 'active' | 'local-hold' | 'remote-hold' | 'both-hold' | 'ended';

export interface Call {
  readonly id: string;
  readonly direction: 'outgoing' | 'incoming';
  readonly peer: string;
  readonly state: CallState;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  readonly path: string | null;
  readonly muted: boolean;
  readonly remoteMuted: boolean;
  readonly quality: { readonly mos: number; readonly lossPercent: number; readonly jitterMs: number; readonly rttMs: number | null } | null;
  readonly conference: { readonly id: string | null; readonly host: string; readonly roster: readonly string[] } | null;
}

export interface Conference {
  readonly id: string;
  readonly host: string;
  readonly roster: readonly string[];
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  readonly muted: boolean;
  readonly calls: readonly Call[];
}

export interface CallRecord {
  readonly id: string;
  readonly outgoing: boolean;
  readonly peer: string;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number;
  readonly reason: string;
  readonly quality: { readonly mos?: number } | null;
}

export type DaemonEvent =
  | { type: 'message' | 'edited' | 'deleted' | 'state'; message: Message }
  | { type: 'typing'; conversation: string; from: string }
  | { type: 'contact'; contact: Contact }
  | { type: 'presence'; username: string; presence: Presence; mood: string | null }
  | { type: 'call'; call: Call }
  | { type: 'conference'; conference: Conference }
  | { type: 'account'; signedIn: boolean; username: string | null };

/** The daemon refused a request (status 0: it could not be reached). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'parley-web-token';

/** The token from the link (`#token=...`, then removed from the address bar), or the one kept. */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]{20,100})/.exec(window.location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return m[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** A client of the daemon that served this page. */
export class Api {
  constructor(readonly token: string) {}

  private async req<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'UNREACHABLE', 'the Parley daemon does not answer: is it still running?');
    }
    if (res.status === 204 || res.status === 202) return undefined as T;
    const data = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const e = (data ?? {}) as { code?: string; message?: string };
      throw new ApiError(res.status, e.code ?? 'HTTP', e.message ?? `the daemon answered ${res.status}`);
    }
    return data as T;
  }

  status = (): Promise<Status> => this.req('GET', '/v1/status');
  signUp = (username: string, password: string): Promise<Status> => this.req('POST', '/v1/account/register', { username, password });
  signIn = (username: string, password: string): Promise<Status> => this.req('POST', '/v1/account/login', { username, password });
  signOut = (): Promise<Status> => this.req('POST', '/v1/account/logout');
  setPresence = (presence: Presence | 'invisible', mood?: string): Promise<void> => this.req('PUT', '/v1/presence', mood === undefined ? { presence } : { presence, mood });
  presenceOf = (username: string): Promise<{ presence: Presence; mood: string | null }> => this.req('GET', `/v1/presence/${encodeURIComponent(username)}`);

  contacts = (): Promise<Contact[]> => this.req('GET', '/v1/contacts');
  addContact = (username: string, greeting: string): Promise<Contact> => this.req('POST', '/v1/contacts', { username, greeting });
  answerContact = (username: string, answer: 'accept' | 'decline' | 'remove' | 'block'): Promise<Contact> => this.req('POST', `/v1/contacts/${encodeURIComponent(username)}/${answer}`);

  conversations = (): Promise<Conversation[]> => this.req('GET', '/v1/conversations');
  messages = (conversation: string, limit = 100): Promise<Message[]> => this.req('GET', `/v1/conversations/${encodeURIComponent(conversation)}/messages?limit=${limit}`);
  send = (conversation: string, text: string): Promise<Message> => this.req('POST', `/v1/conversations/${encodeURIComponent(conversation)}/messages`, { text });
  markRead = (conversation: string): Promise<void> => this.req('POST', `/v1/conversations/${encodeURIComponent(conversation)}/read`);
  typing = (conversation: string): Promise<void> => this.req('POST', `/v1/conversations/${encodeURIComponent(conversation)}/typing`);
  search = (q: string): Promise<SearchHit[]> => this.req('GET', `/v1/search?q=${encodeURIComponent(q)}&limit=50`);

  calls = (): Promise<Call[]> => this.req('GET', '/v1/calls');
  call = (id: string): Promise<Call> => this.req('GET', `/v1/calls/${id}`);
  dial = (to: string | string[]): Promise<Call | Conference> => this.req('POST', '/v1/calls', { to });
  answer = (id: string): Promise<Call> => this.req('POST', `/v1/calls/${id}/answer`, {});
  decline = (id: string): Promise<Call> => this.req('POST', `/v1/calls/${id}/decline`);
  hangup = (id: string): Promise<Call> => this.req('POST', `/v1/calls/${id}/hangup`);
  hold = (id: string, on: boolean): Promise<Call> => this.req('POST', `/v1/calls/${id}/hold`, { on });
  mute = (id: string, muted: boolean): Promise<Call> => this.req('POST', `/v1/calls/${id}/mute`, { muted });
  addToCall = (id: string, username: string): Promise<Conference> => this.req('POST', `/v1/calls/${id}/add`, { username });
  callHistory = (limit = 50): Promise<CallRecord[]> => this.req('GET', `/v1/calls/history?limit=${limit}`);

  /** A WebSocket URL of this daemon with the token (browsers cannot set a WebSocket's headers). */
  socketUrl(path: string): string {
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${window.location.host}${path}?token=${encodeURIComponent(this.token)}`;
  }

  /** The event stream, reconnected after a drop (1 s, then up to 10 s apart) until the returned function is called. */
  events(onEvent: (e: DaemonEvent) => void, onOpen: () => void): () => void {
    let socket: WebSocket | null = null;
    let stopped = false;
    let delayMs = 1000;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = (): void => {
      if (stopped) return;
      socket = new WebSocket(this.socketUrl('/v1/events'));
      socket.onopen = () => {
        delayMs = 1000;
        onOpen();
      };
      socket.onmessage = (m: MessageEvent<string>) => {
        try {
          onEvent(JSON.parse(m.data) as DaemonEvent);
        } catch {
          // Not an event: ignored.
        }
      };
      socket.onclose = () => {
        if (stopped) return;
        retry = setTimeout(open, delayMs);
        delayMs = Math.min(delayMs * 2, 10_000);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }
}
