/**
 * The daemon's local API on 127.0.0.1 (fastify): REST for state and commands, a WebSocket stream
 * of events, and the OpenAPI 3.1 document at `/openapi.json` made from the routes' own schemas.
 * Every `/v1` route but `POST /v1/apps` needs a token (access.ts): `Authorization: Bearer TOKEN`,
 * or `?token=` on the WebSocket (browsers cannot set its headers). Bad input gets a 400 with a
 * reason, a missing or unapproved token a 401, a refusal of the request a 4xx with its code.
 */

import { STATUS_CODES } from 'node:http';

import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

import { formatMessageId, parseMessageId } from '../chat/message-id.js';
import { ChatError } from '../client/chat-engine.js';
import { REACH_DIRECT_WAIT_MAX_MS, type ReachResult } from '../client/device-runtime.js';
import type { ApiEvent } from '../client/device-api.js';
import { AccountError } from '../client/daemon-account.js';
import { DaemonError } from '../client/signed-in-device.js';
import { LoginClientError } from '../login/client.js';
import type { Contact, ConversationSummary, SearchHit, StoredMessage } from '../client/store.js';
import { PRESENCE_VALUES, type Presence } from '../overlay/user-record.js';
import { CallError } from '../call/call-machine.js';
import { WavError } from '../call/wav.js';
import { ApiAccessError, type ApiAccess, type ApiCaller } from './access.js';
import { ACCOUNT_CALLERS, registerAccountRoutes, statusSchema, type AccountApi } from './account-routes.js';
import { registerCallRoutes, type CallApi } from './call-routes.js';
import { registerWebClient } from './web-client.js';
import { errorSchema, usernameSchema } from './schemas.js';
import { answerTextCommand, notificationLines } from './text-commands.js';

/** This device's sessions with other devices (direct, or through supernodes' relays). */
export interface DirectStatus {
  /** The UDP port of direct paths; null when there is none (relays only). */
  readonly port: number | null;
  /** The candidates the device publishes. */
  readonly candidates: readonly string[];
  /** Devices with a session up now... */
  readonly linked: number;
  /** ... of which through a relay. */
  readonly relayed: number;
  /** Envelopes sent and taken, received and taken. */
  readonly sent: number;
  readonly received: number;
}

export interface DeviceApi {
  status(): { username: string; accountKey: string; deviceId: string; attached: string[]; presence: Presence; mood: string | null; direct: DirectStatus | null };
  setPresence(presence: Presence, mood?: string): Promise<void>;
  contacts(): Contact[];
  requestContact(username: string, greeting: string): Promise<Contact>;
  answerContact(username: string, answer: 'accept' | 'decline' | 'remove' | 'block'): Promise<Contact>;
  conversations(): ConversationSummary[];
  history(conversation: string, limit: number, before?: Uint8Array): StoredMessage[];
  sendText(to: string, text: string): Promise<StoredMessage>;
  createGroup(title: string, members: readonly string[]): string;
  sendToConversation(conversation: string, text: string): Promise<StoredMessage>;
  /** Edits (text) or deletes (null) one of this user's messages. */
  changeMessage(id: Uint8Array, text: string | null): Promise<StoredMessage>;
  typing(conversation: string): Promise<void>;
  markRead(conversation: string): Promise<void>;
  search(query: string, limit: number): SearchHit[];
  /** Hears every event until the returned function is called. */
  subscribe(listener: (e: ApiEvent) => void): () => void;
  /** One message, or null. */
  message(id: Uint8Array): StoredMessage | null;
  /** A user's presence (the most available of their devices), or null when none is published. */
  presenceOf(username: string): Promise<{ presence: Presence; mood: string | null } | null>;
  /** A session to a device of `username` and a round trip over it (`parley reach`). */
  reach(username: string, waitDirectMs: number): Promise<ReachResult>;
  /** Calls (issue #8); absent where the daemon has none. */
  readonly calls?: CallApi;
  /** Stops the daemon (logout); absent where the daemon cannot be stopped from its API. */
  shutdown?: () => void;
}

/** WebSocket event listeners at once; more are refused. */
export const API_EVENT_LISTENERS_MAX = 64;

export const messageJson = (m: StoredMessage) => ({
  id: formatMessageId(m.id),
  conversation: m.conversation,
  sender: m.sender,
  senderDevice: Buffer.from(m.senderDevice).toString('hex'),
  sentAt: m.sentAt,
  receivedAt: m.receivedAt,
  text: m.text,
  editedAt: m.editedAt,
  deleted: m.deleted,
  outgoing: m.outgoing,
  state: m.state,
});
export type MessageJson = ReturnType<typeof messageJson>;

export const eventJson = (e: ApiEvent): Record<string, unknown> => {
  switch (e.type) {
    case 'message':
    case 'edited':
    case 'deleted':
    case 'state':
      return { type: e.type, message: messageJson(e.message) };
    case 'typing':
      return { type: 'typing', conversation: e.conversation, from: e.from };
    case 'contact':
      return { type: 'contact', contact: e.contact };
    case 'presence':
      return { type: 'presence', account: e.account, username: e.username, deviceId: Buffer.from(e.deviceId).toString('hex'), presence: e.presence, mood: e.mood };
    case 'call':
      return { type: 'call', call: e.call };
    case 'conference':
      return { type: 'conference', conference: e.conference };
    case 'account':
      return { type: 'account', signedIn: e.signedIn, username: e.username };
  }
};

const messageSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    conversation: { type: 'string' },
    sender: { type: 'string' },
    senderDevice: { type: 'string' },
    sentAt: { type: 'integer' },
    receivedAt: { type: 'integer' },
    text: { type: 'string' },
    editedAt: { type: ['integer', 'null'] },
    deleted: { type: 'boolean' },
    outgoing: { type: 'boolean' },
    state: { type: 'string', enum: ['sending', 'sent', 'delivered', 'read', 'received'] },
  },
} as const;
const contactSchema = {
  type: 'object',
  properties: { account: { type: 'string' }, username: { type: 'string' }, state: { type: 'string', enum: ['requested', 'pending', 'accepted', 'declined', 'blocked'] }, greeting: { type: ['string', 'null'] }, updatedAt: { type: 'integer' } },
} as const;
const username = usernameSchema;
/** A conversation id (dm:..., grp:...) or, for the direct conversation, a username. */
const conversationId = { type: 'string', minLength: 1, maxLength: 80 } as const;

/** A Host header naming a loopback address (with its port). */
const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)(:\d{1,5})?$/i;

/** Maps a refusal to its status. */
function statusOf(code: string): number {
  if (code === 'FORBIDDEN' || code === 'LOGIN_FAILED' || code === 'DEVICE_REVOKED') return 403;
  if (code === 'NO_REQUEST' || code === 'APP_EXISTS' || code === 'NOT_NOW' || code === 'SIGNED_OUT' || code === 'SIGNED_IN' || code === 'ACCOUNT_BUSY' || code === 'OTHER_ACCOUNT' || code === 'USERNAME_TAKEN') return 409;
  if (code === 'RATE_LIMITED') return 429;
  if (code === 'TIMEOUT' || code === 'UNREACHABLE' || code === 'PROTOCOL') return 503;
  if (code === 'NO_DEVICES' || code === 'APP_UNKNOWN' || code === 'NOT_FOUND') return 404;
  return 400;
}

/**
 * Builds the API (not listening yet). With `account` (the daemon's), the account routes and the
 * web client are served too, and `/v1/status` answers when signed out.
 */
export async function buildApi(device: DeviceApi, access: ApiAccess, options: { now?: () => number; account?: AccountApi; webClientDir?: string; log?: Logger } = {}): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, ajv: { customOptions: { removeAdditional: false } } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Parley local API', version: '1', description: "A Parley daemon's API on 127.0.0.1: contacts, presence, chat. Events: a WebSocket at /v1/events (token in ?token=), one JSON object per event: message, edited, deleted, state, typing, contact, presence, call. Calls: /v1/calls." },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  const callers = new WeakMap<FastifyRequest, ApiCaller>();
  const refuse = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ statusCode: status, code, error: STATUS_CODES[status] ?? 'Error', message });
  app.addHook('onRequest', async (request, reply) => {
    // Loopback names only: a page elsewhere that had its name resolve to 127.0.0.1 (DNS rebinding) is not answered.
    if (!LOOPBACK_HOST.test(request.headers.host ?? '')) return refuse(reply, 403, 'NOT_LOOPBACK', 'this API answers requests to 127.0.0.1, [::1] or localhost only');
    const url = request.url.split('?')[0] ?? '';
    if (!url.startsWith('/v1/') || (url === '/v1/apps' && request.method === 'POST')) return;
    const header = request.headers.authorization;
    const query = (request.query as Record<string, unknown> | undefined)?.['token'];
    const token = header?.startsWith('Bearer ') ? header.slice(7) : typeof query === 'string' ? query : null;
    const c = access.check(token);
    if (!c.ok) return refuse(reply, 401, 'UNAUTHORIZED', c.reason);
    callers.set(request, c.caller);
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, _request, reply) => {
    // A coded error's message says its code first; the reply says it once, in `code`.
    const bare = (e: Error & { code: string }): string => (e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message);
    if (err instanceof ChatError || err instanceof ApiAccessError || err instanceof CallError || err instanceof AccountError) return refuse(reply, statusOf(err.code), err.code, bare(err));
    if (err instanceof DaemonError) return refuse(reply, 503, 'DEVICE_FAILED', err.message);
    if (err instanceof LoginClientError) {
      const status = statusOf(err.code);
      const after = err.retryAfterMs !== undefined ? ` (try again in ${Math.ceil(err.retryAfterMs / 1000)} s)` : '';
      return refuse(reply, status, err.code, status === 503 ? `the login server could not be reached: ${bare(err)}` : `${bare(err)}${after}`);
    }
    if (err instanceof WavError) return refuse(reply, 400, `WAV_${err.code}`, bare(err));
    if (err.validation) return refuse(reply, 400, 'BAD_REQUEST', err.message);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) options.log?.error({ event: 'api-failed', err: err.message, stack: err.stack }, 'an API request failed');
    return refuse(reply, status, status === 500 ? 'INTERNAL' : (err.code ?? 'BAD_REQUEST'), status === 500 ? 'the daemon failed to answer; see its log' : err.message);
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  if (options.account) {
    registerAccountRoutes(app, options.account, (request) => {
      const kind = callers.get(request)?.kind;
      if (!(ACCOUNT_CALLERS as readonly (string | undefined)[]).includes(kind)) throw new ChatError('FORBIDDEN', 'only the user (the web client or the CLI) signs this device in or out');
    });
    await registerWebClient(app, options.webClientDir);
  } else {
    app.get('/v1/status', { schema: { summary: 'This device: who it is, where it is attached, its presence', response: { 200: statusSchema } } }, () => ({ signedIn: true, ...device.status() }));
  }

  app.put<{ Body: { presence: Presence; mood?: string } }>(
    '/v1/presence',
    { schema: { summary: 'Set presence and mood', body: { type: 'object', required: ['presence'], additionalProperties: false, properties: { presence: { type: 'string', enum: [...PRESENCE_VALUES, 'invisible'] }, mood: { type: 'string', maxLength: 300 } } }, response: { 204: { type: 'null' }, 400: errorSchema } } },
    async (request, reply) => {
      const p = request.body.presence as Presence | 'invisible';
      await device.setPresence(p === 'invisible' ? 'offline' : p, request.body.mood);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { username: string }; Body: { waitDirectMs?: number } }>(
    '/v1/reach/:username',
    {
      schema: {
        summary: "Make a session to a device of this user and send bytes there and back: the path (direct, or a supernode's relay over UDP or TCP) and its times",
        params: { type: 'object', required: ['username'], properties: { username } },
        body: { type: ['object', 'null'], additionalProperties: false, properties: { waitDirectMs: { type: 'integer', minimum: 0, maximum: REACH_DIRECT_WAIT_MAX_MS } } },
        response: { 200: { type: 'object', properties: { username: { type: 'string' }, deviceId: { type: 'string' }, connected: { type: 'boolean' }, path: { type: ['string', 'null'] }, firstByteMs: { type: ['integer', 'null'] }, directAfterMs: { type: ['integer', 'null'] } } }, 400: errorSchema, 404: errorSchema },
      },
    },
    (request) => device.reach(request.params.username, request.body?.waitDirectMs ?? 0),
  );
  app.get<{ Params: { username: string } }>(
    '/v1/presence/:username',
    { schema: { summary: "A user's presence and mood (the most available of their devices; offline when none is published)", params: { type: 'object', required: ['username'], properties: { username } }, response: { 200: { type: 'object', properties: { presence: { type: 'string' }, mood: { type: ['string', 'null'] } } }, 400: errorSchema } } },
    async (request) => (await device.presenceOf(request.params.username)) ?? { presence: 'offline', mood: null },
  );
  app.get('/v1/contacts', { schema: { summary: 'Contacts and requests', response: { 200: { type: 'array', items: contactSchema } } } }, () => device.contacts());
  app.post<{ Body: { username: string; greeting?: string } }>(
    '/v1/contacts',
    { schema: { summary: 'Ask someone to be a contact', body: { type: 'object', required: ['username'], additionalProperties: false, properties: { username, greeting: { type: 'string', maxLength: 1000 } } }, response: { 201: contactSchema, 400: errorSchema } } },
    async (request, reply) => reply.code(201).send(await device.requestContact(request.body.username, request.body.greeting ?? '')),
  );
  app.post<{ Params: { username: string; answer: 'accept' | 'decline' | 'remove' | 'block' } }>(
    '/v1/contacts/:username/:answer',
    { schema: { summary: 'Accept, decline, remove or block', params: { type: 'object', required: ['username', 'answer'], properties: { username, answer: { type: 'string', enum: ['accept', 'decline', 'remove', 'block'] } } }, response: { 200: contactSchema, 400: errorSchema, 409: errorSchema } } },
    (request) => device.answerContact(request.params.username, request.params.answer),
  );

  app.get('/v1/conversations', { schema: { summary: 'Conversations, most recent first', response: { 200: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, title: { type: ['string', 'null'] }, members: { type: 'array', items: { type: 'string' } }, unread: { type: 'integer' }, last: { anyOf: [messageSchema, { type: 'null' }] } } } } } } }, () =>
    device.conversations().map((c) => ({ ...c, last: c.last ? messageJson(c.last) : null })),
  );
  app.get<{ Params: { id: string }; Querystring: { limit?: number; before?: string } }>(
    '/v1/conversations/:id/messages',
    { schema: { summary: "A conversation's messages, oldest first (the last `limit`, before `before`)", params: { type: 'object', properties: { id: conversationId } }, querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, before: { type: 'string' }, token: { type: 'string' } } }, response: { 200: { type: 'array', items: messageSchema }, 400: errorSchema } } },
    (request) => {
      const before = request.query.before !== undefined ? parseMessageId(request.query.before) : undefined;
      if (before === null) throw new ChatError('BAD_REQUEST', '`before` is not a message id');
      return device.history(request.params.id, request.query.limit ?? 100, before).map(messageJson);
    },
  );
  app.post<{ Params: { id: string } }>('/v1/conversations/:id/read', { schema: { summary: 'Mark a conversation read (and tell the others)', params: { type: 'object', properties: { id: conversationId } }, response: { 204: { type: 'null' } } } }, async (request, reply) => {
    await device.markRead(request.params.id);
    return reply.code(204).send();
  });
  app.post<{ Body: { to: string; text: string } }>(
    '/v1/messages',
    { schema: { summary: 'Send a text message to a user', body: { type: 'object', required: ['to', 'text'], additionalProperties: false, properties: { to: username, text: { type: 'string', minLength: 1, maxLength: 8000 } } }, response: { 201: messageSchema, 400: errorSchema, 404: errorSchema } } },
    async (request, reply) => reply.code(201).send(messageJson(await device.sendText(request.body.to, request.body.text))),
  );
  app.post<{ Body: { title: string; members: string[] } }>(
    '/v1/groups',
    { schema: { summary: 'Start a group conversation (you are added to the members)', body: { type: 'object', required: ['title', 'members'], additionalProperties: false, properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, members: { type: 'array', minItems: 1, maxItems: 99, items: username } } }, response: { 201: { type: 'object', properties: { id: { type: 'string' } } }, 400: errorSchema } } },
    (request, reply) => reply.code(201).send({ id: device.createGroup(request.body.title, request.body.members) }),
  );
  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/v1/conversations/:id/messages',
    { schema: { summary: 'Send a text to a conversation (a group, or a direct one)', params: { type: 'object', properties: { id: conversationId } }, body: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 8000 } } }, response: { 201: messageSchema, 400: errorSchema, 404: errorSchema } } },
    async (request, reply) => reply.code(201).send(messageJson(await device.sendToConversation(request.params.id, request.body.text))),
  );
  const messageIdParam = (text: string): Uint8Array => {
    const id = parseMessageId(text);
    if (!id) throw new ChatError('BAD_REQUEST', `${JSON.stringify(text.slice(0, 40))} is not a message id`);
    return id;
  };
  app.patch<{ Params: { id: string }; Body: { text: string } }>(
    '/v1/messages/:id',
    { schema: { summary: 'Edit one of your messages', params: { type: 'object', properties: { id: { type: 'string', maxLength: 40 } } }, body: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 8000 } } }, response: { 200: messageSchema, 400: errorSchema, 404: errorSchema } } },
    async (request) => messageJson(await device.changeMessage(messageIdParam(request.params.id), request.body.text)),
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/messages/:id',
    { schema: { summary: 'Delete one of your messages (everywhere it was delivered)', params: { type: 'object', properties: { id: { type: 'string', maxLength: 40 } } }, response: { 200: messageSchema, 400: errorSchema, 404: errorSchema } } },
    async (request) => messageJson(await device.changeMessage(messageIdParam(request.params.id), null)),
  );
  app.post<{ Params: { id: string } }>('/v1/conversations/:id/typing', { schema: { summary: 'Tell the others you are typing (not stored)', params: { type: 'object', properties: { id: conversationId } }, response: { 204: { type: 'null' }, 404: errorSchema } } }, async (request, reply) => {
    await device.typing(request.params.id);
    return reply.code(204).send();
  });
  app.get<{ Querystring: { q: string; limit?: number } }>(
    '/v1/search',
    { schema: { summary: 'Full-text search over messages, newest first', querystring: { type: 'object', required: ['q'], additionalProperties: false, properties: { q: { type: 'string', minLength: 1, maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, token: { type: 'string' } } }, response: { 200: { type: 'array', items: { type: 'object', properties: { message: messageSchema, snippet: { type: 'string' } } } }, 400: errorSchema } } },
    (request) => device.search(request.query.q, request.query.limit ?? 50).map((h) => ({ message: messageJson(h.message), snippet: h.snippet })),
  );

  app.post<{ Body: { name: string } }>(
    '/v1/apps',
    { schema: { summary: "A program asks for access; its token works once the user approves it (parley api approve NAME)", security: [], body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', maxLength: 32 } } }, response: { 202: { type: 'object', properties: { name: { type: 'string' }, token: { type: 'string' }, approved: { type: 'boolean' } } }, 400: errorSchema, 409: errorSchema } } },
    (request, reply) => reply.code(202).send({ name: request.body.name, token: access.request(request.body.name, now()), approved: false }),
  );
  app.get('/v1/apps', { schema: { summary: 'Programs that asked for access', response: { 200: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, approved: { type: 'boolean' }, requestedAt: { type: 'integer' } } } } } } }, () => access.apps());
  const cliOnly = (request: FastifyRequest): void => {
    if (callers.get(request)?.kind !== 'cli') throw new ChatError('FORBIDDEN', 'only the user (the CLI) approves or bans programs');
  };
  app.post<{ Params: { name: string; decision: 'approve' | 'ban' } }>(
    '/v1/apps/:name/:decision',
    { schema: { summary: "Approve or ban a program (the CLI's token only)", params: { type: 'object', properties: { name: { type: 'string' }, decision: { type: 'string', enum: ['approve', 'ban'] } } }, response: { 204: { type: 'null' }, 400: errorSchema, 404: errorSchema } } },
    (request, reply) => {
      cliOnly(request);
      if (request.params.decision === 'approve') access.approve(request.params.name);
      else access.ban(request.params.name);
      return reply.code(204).send();
    },
  );

  app.post('/v1/shutdown', { schema: { summary: "Stop the daemon (the CLI's token only; parley logout)", response: { 202: { type: 'null' }, 400: errorSchema } } }, (request, reply) => {
    cliOnly(request);
    const stop = device.shutdown;
    if (!stop) throw new ChatError('BAD_REQUEST', 'this daemon is not stopped through its API');
    void reply.code(202).send();
    setImmediate(stop);
    return reply;
  });

  if (device.calls) registerCallRoutes(app, device.calls);

  let listeners = 0;
  app.get('/v1/commands', { websocket: true, schema: { summary: 'WebSocket: Skype Desktop API style text commands (GET USER bob ONLINESTATUS, CHATMESSAGE bob hello, ...) and notifications, one per text frame' } }, (socket) => {
    if (listeners >= API_EVENT_LISTENERS_MAX) {
      socket.close(1013, 'too many listeners');
      return;
    }
    listeners++;
    const send = (lines: string[]): void => {
      for (const l of lines) if (socket.readyState === socket.OPEN) socket.send(l);
    };
    const off = device.subscribe((e) => send(notificationLines(e)));
    // Answers go out in the order the commands came.
    let queue = Promise.resolve();
    socket.on('message', (data: Buffer) => {
      const line = data.toString('utf8');
      queue = queue.then(async () => send(await answerTextCommand(line, device)));
    });
    socket.on('close', () => {
      listeners--;
      off();
    });
  });

  app.get('/v1/events', { websocket: true, schema: { summary: 'WebSocket: one JSON event per message (message, edited, deleted, state, typing, contact, presence, call)' } }, (socket) => {
    if (listeners >= API_EVENT_LISTENERS_MAX) {
      socket.close(1013, 'too many listeners');
      return;
    }
    listeners++;
    const off = device.subscribe((e) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(eventJson(e)));
    });
    socket.on('close', () => {
      listeners--;
      off();
    });
  });
  return app;
}
