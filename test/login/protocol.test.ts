import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as opaque from '@serenity-kit/opaque';

import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { LoginService } from '../../src/login/accounts.js';
import { verifyCertificate } from '../../src/login/certificate.js';
import { GetRevocations, LoggedIn, LoginDispatcher, LoginError, LoginFinish, LoginStart, LoginStarted, RegisterFinish, Registered, RegisterStart, RegisterStarted, Revocations } from '../../src/login/protocol.js';
import { readRevocationList } from '../../src/login/revocation.js';
import { SqliteLoginStore } from '../../src/login/store/sqlite-store.js';
import { Prng } from '../../src/util/prng.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/wire/index.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-protocol-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const rng = new Prng(11);
const ca = signingKeyFromSeed(rng.bytes(32));

async function server() {
  const store = new SqliteLoginStore(join(dir, `p-${rng.int(0, 1e9)}.db`));
  await store.migrate();
  const service = new LoginService({ store, ca, network: 'home', opaqueSetup: await LoginService.createOpaqueSetup() });
  return new LoginDispatcher(service, store, ca, 'home');
}

let requestId = 1;
/** Sends one request as a client would, returns the decoded reply. */
async function call(d: LoginDispatcher, session: string, m: WireMessage): Promise<WireMessage> {
  const reply = decodeMessage(await d.handle(session, '198.51.100.4', encodeMessage(m, { compressed: true }), 1_000_000));
  assert.ok(reply.ok);
  assert.equal(reply.value.requestId, m.requestId, 'the reply carries the request id');
  return reply.value;
}
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const s64 = (u: Uint8Array): string => Buffer.from(u).toString('base64url');

describe('the login protocol (dispatcher, transport-free)', () => {
  test('register, then login over the protocol messages: a certificate that verifies', async () => {
    await opaque.ready;
    const d = await server();
    const password = 'pw of zoe';
    const reg = opaque.client.startRegistration({ password });
    const started = RegisterStarted.fromMessage(await call(d, 'udp:1', RegisterStart.toMessage({ username: 'Zoe', request: b(reg.registrationRequest) }, requestId++)));
    assert.ok(started.ok);
    const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState: reg.clientRegistrationState, registrationResponse: s64(started.value.response), password });
    assert.ok(Registered.fromMessage(await call(d, 'udp:1', RegisterFinish.toMessage({ username: 'Zoe', record: b(registrationRecord) }, requestId++))).ok);

    const login = opaque.client.startLogin({ password });
    const ls = LoginStarted.fromMessage(await call(d, 'udp:2', LoginStart.toMessage({ username: 'zoe', request: b(login.startLoginRequest) }, requestId++)));
    assert.ok(ls.ok);
    const finished = opaque.client.finishLogin({ clientLoginState: login.clientLoginState, loginResponse: s64(ls.value.response), password });
    assert.ok(finished);
    const keys = { deviceId: rng.bytes(16), noiseKey: rng.bytes(32), signingKey: rng.bytes(32) };
    const done = LoggedIn.fromMessage(await call(d, 'udp:2', LoginFinish.toMessage({ proof: b(finished.finishLoginRequest), ...keys }, requestId++)));
    assert.ok(done.ok);
    assert.ok(verifyCertificate(done.value.certificate, ca.publicKey, 'home', 1_000_001).ok);

    const list = Revocations.fromMessage(await call(d, 'udp:3', GetRevocations.toMessage({}, requestId++)));
    assert.ok(list.ok && readRevocationList(list.value.list, ca.publicKey, 'home')?.entries.length === 0);
  });

  test('a second step without a first, on another session, is refused with a coded error', async () => {
    const d = await server();
    const keys = { deviceId: rng.bytes(16), noiseKey: rng.bytes(32), signingKey: rng.bytes(32) };
    const e = LoginError.fromMessage(await call(d, 'udp:9', LoginFinish.toMessage({ proof: rng.bytes(64), ...keys }, requestId++)));
    assert.ok(e.ok && e.value.code === 'BAD_REQUEST');
  });

  test('a registration finishes only on the session that started it, for the same name', async () => {
    await opaque.ready;
    const d = await server();
    const password = 'pw of yuki';
    const reg = opaque.client.startRegistration({ password });
    const started = RegisterStarted.fromMessage(await call(d, 'udp:20', RegisterStart.toMessage({ username: 'Yuki', request: b(reg.registrationRequest) }, requestId++)));
    assert.ok(started.ok);
    const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState: reg.clientRegistrationState, registrationResponse: s64(started.value.response), password });
    const refused = async (session: string, username: string): Promise<void> => {
      const e = LoginError.fromMessage(await call(d, session, RegisterFinish.toMessage({ username, record: b(registrationRecord) }, requestId++)));
      assert.ok(e.ok && e.value.code === 'BAD_REQUEST' && /no registration of this name started on this session/.test(e.value.reason), `${session} ${username}`);
    };
    await refused('tcp:20', 'Yuki'); // another session (same number, other transport)
    await refused('udp:21', 'squatter'); // a session that never started one
    await refused('udp:20', 'Yuka'); // the right session, another name (this also ends the started registration)
    const again = opaque.client.startRegistration({ password });
    const restarted = RegisterStarted.fromMessage(await call(d, 'udp:20', RegisterStart.toMessage({ username: 'Yuki', request: b(again.registrationRequest) }, requestId++)));
    assert.ok(restarted.ok);
    const record = opaque.client.finishRegistration({ clientRegistrationState: again.clientRegistrationState, registrationResponse: s64(restarted.value.response), password }).registrationRecord;
    assert.ok(Registered.fromMessage(await call(d, 'udp:20', RegisterFinish.toMessage({ username: 'yuki', record: b(record) }, requestId++))).ok, 'same name in another case is the same name');
  });

  test('malformed requests get a BAD_REQUEST reply, never an exception', async () => {
    const d = await server();
    for (const bytes of [new Uint8Array(0), rng.bytes(40), encodeMessage({ command: 0x0114, requestId: 5, objects: [] })]) {
      const reply = decodeMessage(await d.handle('udp:1', '198.51.100.4', bytes, 1));
      assert.ok(reply.ok);
      const e = LoginError.fromMessage(reply.value);
      assert.ok(e.ok && e.value.code === 'BAD_REQUEST');
    }
  });
});
