/**
 * `parley/sdk`: a TypeScript client of a Parley daemon's local API (src/api/server.ts). The CLI
 * uses it; so can any program — with the profile's CLI token (same user, same machine) or with a
 * token the user has approved (`ParleyClient.requestAccess`, then `parley api approve NAME`).
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import WebSocket from 'ws';

import { ApiAccess, API_FILE } from '../api/access.js';
import type { MessageJson } from '../api/server.js';
import type { CallAudio, CallSummary, ConferenceSummary } from '../call/call-manager.js';
import { frameBytes, pcmSamples } from '../call/live-audio.js';
import type { CallRecord, Contact } from '../client/store.js';
import { defaultProfileDir } from '../login/profile.js';

export type { MessageJson } from '../api/server.js';
export type { Contact } from '../client/store.js';

/** A conversation as the API lists it. */
export interface ConversationJson {
  readonly id: string;
  readonly title: string | null;
  readonly members: string[];
  readonly unread: number;
  readonly last: MessageJson | null;
}

/** An event from the daemon's stream. */
export type EventJson =
  | { type: 'message' | 'edited' | 'deleted' | 'state'; message: MessageJson }
  | { type: 'typing'; conversation: string; from: string }
  | { type: 'contact'; contact: Contact }
  | { type: 'presence'; account: string; username: string; deviceId: string; presence: string; mood: string | null }
  | { type: 'call'; call: CallJson }
  | { type: 'conference'; conference: ConferenceJson }
  | { type: 'account'; signedIn: boolean; username: string | null };

/** A call's state and quality (the daemon's call-manager.ts CallSummary). */
export type CallJson = CallSummary;
/** A conference hosted by the daemon: roster and each call (call-manager.ts's ConferenceSummary). */
export type ConferenceJson = ConferenceSummary;
/** Audio of a call: WAV files on the daemon's machine (absolute paths), and a duration. */
export type CallAudioJson = CallAudio;

/** A signed-in device's status. */
export interface DeviceStatusJson {
  readonly signedIn: true;
  readonly network: string;
  readonly username: string;
  readonly accountKey: string;
  readonly deviceId: string;
  readonly attached: string[];
  readonly presence: string;
  readonly mood: string | null;
  readonly direct: { port: number | null; candidates: string[]; linked: number; relayed: number; sent: number; received: number } | null;
}

/** The daemon's account: signed in (the device's status), or signed out and why. */
export type AccountJson = DeviceStatusJson | { readonly signedIn: false; readonly network: string; readonly state: string; readonly problem: string | null };

/** The daemon refused a request (or could not be reached: status 0). */
export class ParleyApiError extends Error {
  override readonly name = 'ParleyApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}


/** A client of one daemon. */
export class ParleyClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /** The daemon of a profile (default: this user's), with the profile's CLI token. */
  static fromProfile(profileDir: string = defaultProfileDir()): ParleyClient {
    const apiPath = join(profileDir, API_FILE);
    if (!existsSync(apiPath)) throw new ParleyApiError(0, 'NOT_RUNNING', `no daemon is running for ${profileDir} (start it: parley node --network FILE --profile ${profileDir})`);
    const { url } = JSON.parse(readFileSync(apiPath, 'utf8')) as { url?: string };
    const token = ApiAccess.cliToken(profileDir);
    if (typeof url !== 'string' || token === null) throw new ParleyApiError(0, 'NOT_RUNNING', `${profileDir} has no usable api.json or api-access.json`);
    return new ParleyClient(url, token);
  }

  /** A program asks a daemon for access: the token, usable once the user has approved `name`. */
  static async requestAccess(url: string, name: string): Promise<string> {
    const r = await call(url, null, 'POST', '/v1/apps', { name });
    return (r as { token: string }).token;
  }

  private req<T>(method: string, path: string, body?: unknown): Promise<T> {
    return call(this.url, this.token, method, path, body) as Promise<T>;
  }

  /** The signed-in device's status; a ParleyApiError SIGNED_OUT (409) while the daemon is signed out. */
  async status(): Promise<DeviceStatusJson> {
    const s = await this.account();
    if (!s.signedIn) throw new ParleyApiError(409, 'SIGNED_OUT', `the daemon at ${this.url} is signed out${s.problem ? ` (${s.problem})` : ''}: sign in with parley login or its web client`);
    return s;
  }

  /** Whether the daemon is signed in, and as whom. */
  account(): Promise<AccountJson> {
    return this.req('GET', '/v1/status');
  }

  /** Creates an account and signs the daemon's device in (the daemon runs OPAQUE with the login server). */
  signUp(username: string, password: string): Promise<AccountJson> {
    return this.req('POST', '/v1/account/register', { username, password });
  }

  signIn(username: string, password: string): Promise<AccountJson> {
    return this.req('POST', '/v1/account/login', { username, password });
  }

  /** Signs the device out (published offline, certificate removed); the daemon goes on, signed out. */
  signOut(): Promise<AccountJson> {
    return this.req('POST', '/v1/account/logout');
  }

  /** A user's presence and mood (offline when none is published). */
  presenceOf(username: string): Promise<{ presence: string; mood: string | null }> {
    return this.req('GET', `/v1/presence/${encodeURIComponent(username)}`);
  }

  /** Calls `username` (every device of theirs rings). */
  dial(username: string, audio: CallAudioJson = {}): Promise<CallJson> {
    return this.req('POST', '/v1/calls', { to: username, ...audio });
  }

  /** Starts a conference hosted by this daemon with `usernames` (every device of each rings). */
  conference(usernames: readonly string[], audio: CallAudioJson = {}): Promise<ConferenceJson> {
    return this.req('POST', '/v1/calls', { to: usernames, ...audio });
  }

  /** Adds `username` to a call (which becomes a conference hosted here) or a conference hosted here; the only call in progress when `id` is not given. */
  addToCall(id: string | undefined, username: string): Promise<ConferenceJson> {
    return this.req('POST', `/v1/calls/${id ?? 'current'}/add`, { username });
  }

  /** A conference hosted by this daemon, live or recently ended. */
  getConference(id: string): Promise<ConferenceJson> {
    return this.req('GET', `/v1/conferences/${encodeURIComponent(id)}`);
  }

  /** Answers a ringing call (the only one when `id` is not given). */
  answer(id?: string, audio: CallAudioJson = {}): Promise<CallJson> {
    return this.req('POST', `/v1/calls/${id ?? 'current'}/answer`, audio);
  }

  decline(id?: string): Promise<CallJson> {
    return this.req('POST', `/v1/calls/${id ?? 'current'}/decline`);
  }

  /** Hangs up a call; a conference's id (or the only call, when it is a conference hosted here) ends the conference for everyone. */
  hangup(id?: string): Promise<CallJson | ConferenceJson> {
    return this.req('POST', `/v1/calls/${id ?? 'current'}/hangup`);
  }

  hold(id: string | undefined, on: boolean): Promise<CallJson | ConferenceJson> {
    return this.req('POST', `/v1/calls/${id ?? 'current'}/hold`, { on });
  }

  mute(id: string | undefined, muted: boolean): Promise<CallJson | ConferenceJson> {
    return this.req('POST', `/v1/calls/${id ?? 'current'}/mute`, { muted });
  }

  /** A call, live or recently ended. */
  call(id: string): Promise<CallJson> {
    return this.req('GET', `/v1/calls/${encodeURIComponent(id)}`);
  }

  /** The calls in progress. */
  calls(): Promise<CallJson[]> {
    return this.req('GET', '/v1/calls');
  }

  /** Calls made and received, newest first. */
  callHistory(limit = 100): Promise<CallRecord[]> {
    return this.req('GET', `/v1/calls/history?limit=${limit}`);
  }

  /** Makes a session to a device of `username` and sends bytes there and back: its path and times (waits up to `waitDirectMs` for a direct path). */
  reach(username: string, waitDirectMs = 0): Promise<{ username: string; deviceId: string; connected: boolean; path: 'direct' | 'relay-udp' | 'relay-tcp' | null; firstByteMs: number | null; directAfterMs: number | null }> {
    return this.req('POST', `/v1/reach/${encodeURIComponent(username)}`, { waitDirectMs });
  }

  setPresence(presence: 'online' | 'away' | 'busy' | 'invisible' | 'offline', mood?: string): Promise<void> {
    return this.req('PUT', '/v1/presence', { presence, ...(mood !== undefined ? { mood } : {}) });
  }

  contacts(): Promise<Contact[]> {
    return this.req('GET', '/v1/contacts');
  }

  addContact(username: string, greeting = ''): Promise<Contact> {
    return this.req('POST', '/v1/contacts', { username, greeting });
  }

  answerContact(username: string, answer: 'accept' | 'decline' | 'remove' | 'block'): Promise<Contact> {
    return this.req('POST', `/v1/contacts/${encodeURIComponent(username)}/${answer}`);
  }

  conversations(): Promise<ConversationJson[]> {
    return this.req('GET', '/v1/conversations');
  }

  /** A conversation's messages (a conversation id, or a username for the direct one). */
  history(conversation: string, options: { limit?: number; before?: string } = {}): Promise<MessageJson[]> {
    const q = new URLSearchParams();
    if (options.limit !== undefined) q.set('limit', String(options.limit));
    if (options.before !== undefined) q.set('before', options.before);
    const qs = q.toString();
    return this.req('GET', `/v1/conversations/${encodeURIComponent(conversation)}/messages${qs ? `?${qs}` : ''}`);
  }

  send(to: string, text: string): Promise<MessageJson> {
    return this.req('POST', '/v1/messages', { to, text });
  }

  /** Starts a group; its conversation id. */
  async createGroup(title: string, members: readonly string[]): Promise<string> {
    return (await this.req<{ id: string }>('POST', '/v1/groups', { title, members })).id;
  }

  /** Sends a text to a conversation (a group id, or a direct one's id or the other user's name). */
  sendTo(conversation: string, text: string): Promise<MessageJson> {
    return this.req('POST', `/v1/conversations/${encodeURIComponent(conversation)}/messages`, { text });
  }

  edit(id: string, text: string): Promise<MessageJson> {
    return this.req('PATCH', `/v1/messages/${encodeURIComponent(id)}`, { text });
  }

  delete(id: string): Promise<MessageJson> {
    return this.req('DELETE', `/v1/messages/${encodeURIComponent(id)}`);
  }

  typing(conversation: string): Promise<void> {
    return this.req('POST', `/v1/conversations/${encodeURIComponent(conversation)}/typing`);
  }

  markRead(conversation: string): Promise<void> {
    return this.req('POST', `/v1/conversations/${encodeURIComponent(conversation)}/read`);
  }

  search(query: string, limit?: number): Promise<{ message: MessageJson; snippet: string }[]> {
    return this.req('GET', `/v1/search?${new URLSearchParams({ q: query, ...(limit !== undefined ? { limit: String(limit) } : {}) }).toString()}`);
  }

  apps(): Promise<{ name: string; approved: boolean; requestedAt: number }[]> {
    return this.req('GET', '/v1/apps');
  }

  decide(name: string, decision: 'approve' | 'ban'): Promise<void> {
    return this.req('POST', `/v1/apps/${encodeURIComponent(name)}/${decision}`);
  }

  /** Stops the daemon (the CLI's token only). */
  shutdown(): Promise<void> {
    return this.req('POST', '/v1/shutdown');
  }

  /** Hears the daemon's events until `close()`; `opened` resolves once the stream is open. */
  events(onEvent: (e: EventJson) => void, onClose?: (reason: string) => void): { opened: Promise<void>; close: () => void } {
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/v1/events?token=${encodeURIComponent(this.token)}`);
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new ParleyApiError(res.statusCode ?? 0, 'UNAUTHORIZED', `the event stream was refused (${res.statusCode})`)));
      ws.once('error', (e) => reject(new ParleyApiError(0, 'UNREACHABLE', e.message)));
    });
    ws.on('message', (d: Buffer) => {
      try {
        onEvent(JSON.parse(d.toString()) as EventJson);
      } catch {
        // Not JSON: not from a Parley daemon.
      }
    });
    ws.on('close', (_code, reason) => onClose?.(reason.toString()));
    return { opened, close: () => ws.close() };
  }

  /**
   * A call's live audio (by a conference's id, its host's): `send` one 20 ms frame of the
   * microphone (960 samples of 48 kHz 16-bit PCM); `onFrame` gets each frame the call plays.
   */
  callAudio(id: string, onFrame: (frame: Int16Array) => void, onClose?: (code: number, reason: string) => void): { opened: Promise<void>; send: (frame: Int16Array) => void; close: () => void } {
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/v1/calls/${encodeURIComponent(id)}/audio?token=${encodeURIComponent(this.token)}`);
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new ParleyApiError(res.statusCode ?? 0, 'REFUSED', `the call's audio was refused (${res.statusCode})`)));
      ws.once('error', (e) => reject(new ParleyApiError(0, 'UNREACHABLE', e.message)));
    });
    ws.on('message', (d: Buffer) => onFrame(pcmSamples(d)));
    ws.on('close', (code, reason) => onClose?.(code, reason.toString()));
    const send = (frame: Int16Array): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frameBytes(frame));
    };
    return { opened, send, close: () => ws.close() };
  }
}

async function call(url: string, token: string | null, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    throw new ParleyApiError(0, 'UNREACHABLE', `the daemon at ${url} does not answer (${e instanceof Error ? e.message : String(e)}); is parley node running?`);
  }
  if (res.status === 204) return undefined;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string };
    throw new ParleyApiError(res.status, e.code ?? 'HTTP_ERROR', e.message ?? `HTTP ${res.status}`);
  }
  return json;
}
