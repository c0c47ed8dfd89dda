import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import WebSocket from 'ws';

import { ApiAccess } from '../../src/api/access.js';
import { buildApi, type DeviceApi } from '../../src/api/server.js';
import { MessageIdGenerator, formatMessageId } from '../../src/chat/message-id.js';
import { ChatError } from '../../src/client/chat-engine.js';
import type { DeviceEvent } from '../../src/client/device-runtime.js';
import type { StoredMessage } from '../../src/client/store.js';
import { Prng } from '../../src/util/prng.js';

const root = mkdtempSync(join(tmpdir(), 'parley-api-'));
after(() => rmSync(root, { recursive: true, force: true }));
const rng = new Prng(1);
const ids = new MessageIdGenerator((n) => rng.bytes(n));

/** A device that keeps what it is told in memory. */
function fakeDevice(): DeviceApi & { sent: StoredMessage[]; emit: (e: DeviceEvent) => void } {
  const sent: StoredMessage[] = [];
  const listeners = new Set<(e: DeviceEvent) => void>();
  let presence: 'online' | 'away' | 'busy' | 'offline' = 'online';
  return {
    sent,
    emit: (e) => listeners.forEach((l) => l(e)),
    status: () => ({ username: 'Alice', accountKey: 'alice', deviceId: 'ab'.repeat(16), attached: ['cd'.repeat(32)], presence, mood: null, direct: { port: 4000, candidates: ['udp:192.0.2.1:4000'], linked: 1, relayed: 0, sent: 2, received: 3 } }),
    setPresence: (p) => {
      presence = p;
      return Promise.resolve();
    },
    contacts: () => [],
    requestContact: (username) => Promise.resolve({ account: username.toLowerCase(), username, state: 'requested', greeting: null, updatedAt: 1 }),
    answerContact: () => Promise.reject(new ChatError('NO_REQUEST', 'bob has not asked to be a contact')),
    conversations: () => [],
    history: () => sent,
    sendText: (to, text) => {
      if (to === 'nobody') return Promise.reject(new ChatError('NO_DEVICES', 'no device of nobody is known yet'));
      const m: StoredMessage = { id: ids.next(Date.now()), conversation: `dm:alice,${to}`, sender: 'alice', senderDevice: new Uint8Array(16), sentAt: 1, receivedAt: 1, text, editedAt: null, deleted: false, outgoing: true, state: 'sending' };
      sent.push(m);
      return Promise.resolve(m);
    },
    createGroup: () => 'grp:' + 'ab'.repeat(16),
    sendToConversation: () => Promise.reject(new ChatError('NOT_FOUND', 'no such conversation')),
    changeMessage: () => Promise.reject(new ChatError('NOT_FOUND', 'no message of yours with that id')),
    typing: () => Promise.resolve(),
    markRead: () => Promise.resolve(),
    message: (id) => sent.find((m) => Buffer.from(m.id).equals(id)) ?? null,
    reach: (username, waitDirectMs) => (username === 'bob' ? Promise.resolve({ username: 'bob', deviceId: 'ab'.repeat(16), connected: true, path: 'relay-udp' as const, firstByteMs: 42, directAfterMs: waitDirectMs > 0 ? 99 : null }) : Promise.reject(new ChatError('NOT_FOUND', `${username} has no device online`))),
    presenceOf: (username) => Promise.resolve(username === 'bob' ? { presence: 'busy' as const, mood: 'in a meeting' } : null),
    search: () => [],
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** A profile directory of its own, a fake device, and the API over them (not listening yet). */
async function setup(name: string): Promise<{ dir: string; device: ReturnType<typeof fakeDevice>; app: Awaited<ReturnType<typeof buildApi>> }> {
  const dir = join(root, name);
  mkdirSync(dir);
  const device = fakeDevice();
  return { dir, device, app: await buildApi(device, ApiAccess.load(dir)) };
}

test('the CLI token works; no token, an unknown one or an unapproved program get 401 with a reason; approval by the CLI lets the program in; the access file is 0600', async () => {
  const { dir, app } = await setup('p1');
  const cli = ApiAccess.cliToken(dir) ?? assert.fail('a CLI token');
  assert.equal(statSync(join(dir, 'api-access.json')).mode & 0o777, 0o600);
  const get = (token?: string) => app.inject({ method: 'GET', url: '/v1/status', headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal((await get(cli)).statusCode, 200);
  assert.deepEqual((await get(cli)).json<{ direct: unknown }>().direct, { port: 4000, candidates: ['udp:192.0.2.1:4000'], linked: 1, relayed: 0, sent: 2, received: 3 }, 'the direct sessions, through the response schema');
  assert.equal((await get()).statusCode, 401);
  assert.match((await get()).json<{ message: string }>().message, /no token/);
  assert.equal((await get('nonsense')).statusCode, 401);
  const asked = await app.inject({ method: 'POST', url: '/v1/apps', payload: { name: 'my-bot' } });
  assert.equal(asked.statusCode, 202);
  const botToken = asked.json<{ token: string }>().token;
  const waiting = await get(botToken);
  assert.equal(waiting.statusCode, 401);
  assert.match(waiting.json<{ message: string }>().message, /parley api approve my-bot/);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/apps', payload: { name: 'my-bot' } })).statusCode, 409, 'the name is taken');
  assert.equal((await app.inject({ method: 'POST', url: '/v1/apps', payload: { name: 'Bad Name!' } })).statusCode, 400);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/apps/my-bot/approve', headers: { authorization: `Bearer ${botToken}` } })).statusCode, 401, 'a program cannot approve itself');
  assert.equal((await app.inject({ method: 'POST', url: '/v1/apps/my-bot/approve', headers: { authorization: `Bearer ${cli}` } })).statusCode, 204);
  assert.equal((await get(botToken)).statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/apps/my-bot/approve', headers: { authorization: `Bearer ${botToken}` } })).statusCode, 403, 'only the CLI approves');
  assert.equal((await app.inject({ method: 'POST', url: '/v1/apps/my-bot/ban', headers: { authorization: `Bearer ${cli}` } })).statusCode, 204);
  assert.equal((await get(botToken)).statusCode, 401);
  // The access list is on disk: a restarted daemon knows it.
  assert.deepEqual(ApiAccess.load(dir).apps(), []);
  await app.close();
});

test('bad input gets a 400 with a reason; refusals their code; a message sent is returned as JSON; /openapi.json is OpenAPI 3.1 with the routes', async () => {
  const { dir, device, app } = await setup('p2');
  const auth = { authorization: `Bearer ${ApiAccess.cliToken(dir) ?? ''}` };
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: auth, payload: payload as Record<string, unknown> });
  for (const [payload, what] of [
    [{ to: 'bob' }, 'text'],
    [{ to: 'bob', text: '' }, 'fewer than 1'],
    [{ to: 'bob', text: 'hi', extra: 1 }, 'additional'],
    [{ to: 'x'.repeat(65), text: 'hi' }, 'more than 64'],
  ] as const) {
    const r = await post('/v1/messages', payload);
    assert.equal(r.statusCode, 400, JSON.stringify(payload));
    assert.match(r.json<{ message: string }>().message, new RegExp(what), JSON.stringify(r.json()));
  }
  const notJson = await app.inject({ method: 'POST', url: '/v1/messages', headers: { ...auth, 'content-type': 'application/json' }, payload: '{not json' });
  assert.equal(notJson.statusCode, 400);
  assert.equal((await app.inject({ method: 'PUT', url: '/v1/presence', headers: auth, payload: { presence: 'sleeping' } })).statusCode, 400);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/conversations/dm:alice,bob/messages?before=xyz', headers: auth })).statusCode, 400);
  assert.equal((await post('/v1/contacts/bob/accept', {})).statusCode, 409);
  assert.equal((await post('/v1/messages', { to: 'nobody', text: 'hi' })).json<{ code: string }>().code, 'NO_DEVICES');
  assert.equal((await app.inject({ method: 'PATCH', url: '/v1/messages/not-an-id', headers: auth, payload: { text: 'x' } })).statusCode, 400);
  assert.equal((await app.inject({ method: 'DELETE', url: `/v1/messages/${formatMessageId(ids.next(1))}`, headers: auth })).statusCode, 404);
  assert.equal((await post('/v1/groups', { title: 'trip', members: [] })).statusCode, 400, 'a group needs members');
  assert.equal((await post('/v1/reach/bob', { waitDirectMs: -1 })).statusCode, 400, 'a negative wait');
  assert.equal((await post('/v1/reach/bob', { waitDirectMs: 61_000 })).statusCode, 400, 'a wait beyond the limit');
  assert.equal((await post('/v1/reach/nobody', {})).json<{ code: string }>().code, 'NOT_FOUND');
  assert.deepEqual((await post('/v1/reach/bob', { waitDirectMs: 5000 })).json(), { username: 'bob', deviceId: 'ab'.repeat(16), connected: true, path: 'relay-udp', firstByteMs: 42, directAfterMs: 99 });
  assert.equal((await post('/v1/groups', { title: 'trip', members: ['bob', 'carol'] })).statusCode, 201);
  assert.equal(device.sent.length, 0, 'nothing sent by bad requests');
  const ok = await post('/v1/messages', { to: 'bob', text: 'hello' });
  assert.equal(ok.statusCode, 201);
  assert.deepEqual([ok.json<{ text: string; id: string }>().text, ok.json<{ id: string }>().id], ['hello', formatMessageId(device.sent[0]?.id ?? new Uint8Array(16))]);
  assert.equal((await app.inject({ method: 'PUT', url: '/v1/presence', headers: auth, payload: { presence: 'invisible' } })).statusCode, 204);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/status', headers: auth })).json<{ presence: string }>().presence, 'offline', 'invisible publishes offline');
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ openapi: string; paths: Record<string, unknown> }>();
  assert.equal(doc.openapi, '3.1.0');
  for (const p of ['/v1/status', '/v1/reach/{username}', '/v1/messages', '/v1/contacts', '/v1/conversations/{id}/messages', '/v1/search', '/v1/apps']) assert.ok(p in doc.paths, p);
  await app.close();
});

test('the WebSocket stream sends each event as JSON; without a token it is refused', async () => {
  const { dir, device, app } = await setup('p3');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const refused = new WebSocket(`ws://127.0.0.1:${port}/v1/events`);
  const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  assert.equal(status, 401);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/events?token=${ApiAccess.cliToken(dir) ?? ''}`);
  await new Promise((resolve) => ws.on('open', resolve));
  const got = new Promise<string>((resolve) => ws.on('message', (d: Buffer) => resolve(d.toString())));
  device.emit({ type: 'typing', conversation: 'dm:alice,bob', from: 'bob' });
  assert.deepEqual(JSON.parse(await got), { type: 'typing', conversation: 'dm:alice,bob', from: 'bob' });
  ws.close();
  await app.close();
});

test('the Skype-style text channel: commands answered line by line in order, notifications pushed, bad lines get ERROR', { timeout: 30_000 }, async () => {
  const { dir, device, app } = await setup('p4');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/commands?token=${ApiAccess.cliToken(dir) ?? ''}`);
  await new Promise((resolve) => ws.on('open', resolve));
  const lines: string[] = [];
  const waiting: (() => void)[] = [];
  ws.on('message', (d: Buffer) => {
    lines.push(d.toString());
    for (const w of waiting.splice(0)) w();
  });
  /** Resolves once `n` lines have come (the test's timeout catches a line that never comes). */
  const until = (n: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (lines.length >= n) resolve();
        else waiting.push(check);
      };
      check();
    });
  const commands = ['PING', 'GET CURRENTUSERHANDLE', 'GET USER bob ONLINESTATUS', 'get user bob moodtext', 'GET USER zed ONLINESTATUS', 'SET USERSTATUS DND', 'SET USERSTATUS SLEEPING', 'CHATMESSAGE bob hello   there', 'FROBNICATE', 'GET CHATMESSAGE nope BODY', ''];
  for (const c of commands) ws.send(c);
  await until(commands.length);
  const sent = device.sent[0] ?? assert.fail('the chat message was sent');
  const id = formatMessageId(sent.id);
  assert.deepEqual(lines.slice(0, 8), ['PONG', 'CURRENTUSERHANDLE Alice', 'USER bob ONLINESTATUS DND', 'USER bob MOODTEXT in a meeting', 'USER zed ONLINESTATUS UNKNOWN', 'USERSTATUS DND', 'ERROR 3 unknown status "SLEEPING": ONLINE, AWAY, DND, INVISIBLE or OFFLINE', `CHATMESSAGE ${id} STATUS SENDING`]);
  assert.equal(sent.text, 'hello   there', 'the text as typed');
  assert.match(lines[8] ?? '', /^ERROR 2 unknown command/);
  assert.match(lines[9] ?? '', /^ERROR 5 /);
  assert.match(lines[10] ?? '', /^ERROR 2 /);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/status', headers: { authorization: `Bearer ${ApiAccess.cliToken(dir) ?? ''}` } })).json<{ presence: string }>().presence, 'busy');
  ws.send(`GET CHATMESSAGE ${id} BODY`);
  await until(12);
  assert.equal(lines[11], `CHATMESSAGE ${id} BODY hello   there`);
  device.emit({ type: 'presence', account: 'bob', username: 'Bob', deviceId: new Uint8Array(16), presence: 'away', mood: null });
  await until(13);
  assert.equal(lines[12], 'USER Bob ONLINESTATUS AWAY');
  ws.close();
  await app.close();
});
