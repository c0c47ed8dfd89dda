import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as opaque from '@serenity-kit/opaque';
import pg from 'pg';

import { ed25519Sign, signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { LoginService, renewalMessage, type DeviceKeys } from '../../src/login/accounts.js';
import { makeRevocationList, readRevocationList } from '../../src/login/revocation.js';
import { verifyCertificate } from '../../src/login/certificate.js';
import { PostgresLoginStore } from '../../src/login/store/postgres-store.js';
import { SqliteLoginStore } from '../../src/login/store/sqlite-store.js';
import { Prng } from '../../src/util/prng.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-accounts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const rng = new Prng(4);
const ca = signingKeyFromSeed(rng.bytes(32));
let setup = '';
before(async () => {
  setup = await LoginService.createOpaqueSetup();
});

let n = 0;
async function service(limits = {}) {
  const path = join(dir, `accounts-${n++}.db`);
  const store = new SqliteLoginStore(path);
  await store.migrate();
  return { svc: new LoginService({ store, ca, network: 'home', opaqueSetup: setup, limits }), store, path };
}

const device = (): DeviceKeys => ({ deviceId: rng.bytes(16), noiseKey: rng.bytes(32), signingKey: rng.bytes(32) });

/** A whole registration as a client does it. */
async function register(svc: LoginService, username: string, password: string, address = '198.51.100.1', now = 1_000_000) {
  const c = opaque.client.startRegistration({ password });
  const s = await svc.registerStart(username, c.registrationRequest, address, now);
  if (!s.ok) return s;
  const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState: c.clientRegistrationState, registrationResponse: s.registrationResponse, password });
  return svc.registerFinish(username, registrationRecord, now);
}

/** A whole login as a client does it; a wrong password fails on the client, which then sends nothing. */
async function login(svc: LoginService, username: string, password: string, keys: DeviceKeys, address = '198.51.100.1', now = 1_000_000) {
  const c = opaque.client.startLogin({ password });
  const s = await svc.loginStart(username, c.startLoginRequest, address, now);
  if (!s.ok) return s;
  const finished = opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: s.loginResponse, password });
  if (!finished) return { ok: false as const, code: 'LOGIN_FAILED' as const, reason: 'the client could not finish (wrong password)' };
  return svc.loginFinish({ key: s.key, serverState: s.serverState, address, startedAt: now }, finished.finishLoginRequest, keys, now);
}

describe('LoginService (OPAQUE accounts, certificates)', () => {
  test('register, then login: a device certificate that verifies against the CA', async () => {
    await opaque.ready;
    const { svc } = await service();
    assert.ok((await register(svc, 'Alice', 'correct horse battery')).ok);
    const keys = device();
    const r = await login(svc, 'alice', 'correct horse battery', keys);
    assert.ok(r.ok, JSON.stringify(r));
    const check = verifyCertificate(r.certificate, ca.publicKey, 'home', 1_000_001);
    assert.ok(check.ok);
    assert.equal(check.body.username, 'Alice');
    assert.deepEqual(Buffer.from(check.body.noiseKey), Buffer.from(keys.noiseKey));
  });

  test('usernames are unique case-insensitively, and bad ones are refused with a reason', async () => {
    const { svc } = await service();
    assert.ok((await register(svc, 'bob', 'pw-1')).ok);
    const again = await register(svc, 'BOB', 'pw-2');
    assert.ok(!again.ok && again.code === 'USERNAME_TAKEN');
    const bad = await register(svc, 'b ob', 'pw');
    assert.ok(!bad.ok && bad.code === 'USERNAME_INVALID' && bad.reason.length > 10);
  });

  test('a wrong password fails; after 10 failures even the right one is RATE_LIMITED with a retry-after; another account from the same address is not', async () => {
    const { svc } = await service();
    await register(svc, 'carol', 'right password');
    await register(svc, 'dave', 'daves password');
    const wrong = await login(svc, 'carol', 'wrong password', device());
    assert.ok(!wrong.ok && wrong.code === 'LOGIN_FAILED');
    for (let i = 1; i < 10; i++) await login(svc, 'carol', `wrong ${i}`, device());
    const held = await login(svc, 'carol', 'right password', device());
    assert.ok(!held.ok && held.code === 'RATE_LIMITED' && (held.retryAfterMs ?? 0) > 0, JSON.stringify(held));
    const other = await login(svc, 'dave', 'daves password', device());
    assert.ok(other.ok, 'the same address, another account: not locked out');
    const later = await login(svc, 'carol', 'right password', device(), '198.51.100.1', 1_000_000 + 15 * 60 * 1000 + 1);
    assert.ok(later.ok, 'after the window the right password works again');
  });

  test('concurrent attempts cannot slip past the limit: of 20 at once with a limit of 5, exactly 5 are let through', async () => {
    const { svc } = await service({ failedLoginsPerAccount: 5 });
    assert.ok((await register(svc, 'rosa', 'pw rosa')).ok);
    const starts = await Promise.all(Array.from({ length: 20 }, (_, i) => svc.loginStart('rosa', opaque.client.startLogin({ password: `guess ${i}` }).startLoginRequest, `198.51.100.${100 + i}`, 1_000_000)));
    assert.equal(starts.filter((r) => r.ok).length, 5);
    assert.ok(starts.filter((r) => !r.ok).every((r) => !r.ok && r.code === 'RATE_LIMITED'));
  });

  test('a hold lasts its whole length, also past the failure window', async () => {
    const { svc } = await service({ failedLoginsPerAccount: 3, failureWindowMs: 10_000, backoffBaseMs: 60_000 });
    assert.ok((await register(svc, 'sam', 'pw sam')).ok);
    for (let i = 0; i < 3; i++) assert.ok(!(await login(svc, 'sam', 'wrong', device(), '198.51.100.1', 1_000_000)).ok);
    const held = await login(svc, 'sam', 'pw sam', device(), '198.51.100.1', 1_030_000); // the window has passed, the hold has not
    assert.ok(!held.ok && held.code === 'RATE_LIMITED' && held.retryAfterMs === 30_000, JSON.stringify(held));
    assert.ok((await login(svc, 'sam', 'pw sam', device(), '198.51.100.1', 1_060_001)).ok);
  });

  test('many people behind one address: successful logins never count against it, failed ones do', async () => {
    const { svc, store } = await service({ failedLoginsPerAddress: 3 });
    const office = '192.0.2.50';
    for (let i = 0; i < 6; i++) assert.ok((await register(svc, `staff${i}`, `pw ${i}`, `198.51.100.${i + 10}`)).ok);
    for (let i = 0; i < 6; i++) {
      const r = await login(svc, `staff${i}`, `pw ${i}`, device(), office, 1_000_000 + i);
      assert.ok(r.ok, `login ${i} from the shared address: ${r.ok ? '' : r.code}`);
    }
    assert.equal((await store.failuresSince('address', office, 0)).count, 0);
    for (let i = 0; i < 3; i++) assert.ok(!(await login(svc, `staff${i}`, 'wrong', device(), office, 1_000_100 + i)).ok);
    const held = await login(svc, 'staff5', 'pw 5', device(), office, 1_000_200);
    assert.ok(!held.ok && held.code === 'RATE_LIMITED' && /from this address/.test(held.reason));
  });

  test('rate-limit rows older than any limit looks at are pruned', async () => {
    const { svc, store } = await service();
    const hour = 60 * 60 * 1000;
    assert.ok(!(await login(svc, 'nobody', 'x', device(), '192.0.2.60', 1_000_000)).ok);
    assert.ok((await register(svc, 'olive', 'pw olive', '192.0.2.61', 1_000_000)).ok);
    assert.equal((await store.failuresSince('address', '192.0.2.60', 0)).count, 1);
    // The next request after the longest lookback (the longest hold plus the failure window: 75 minutes) prunes both.
    assert.ok(!(await login(svc, 'nobody', 'x', device(), '192.0.2.62', 1_000_000 + hour + 15 * 60 * 1000 + 1)).ok);
    assert.equal((await store.failuresSince('address', '192.0.2.60', 0)).count, 0);
    assert.equal(await store.registrationsSince('192.0.2.61', 0), 0);
  });

  test('an unknown user looks like a wrong password', async () => {
    const { svc } = await service();
    const r = await login(svc, 'nobody', 'whatever', device());
    assert.ok(!r.ok && r.code === 'LOGIN_FAILED');
  });

  test('a revoked device gets no certificate; the account\'s other devices do', async () => {
    const { svc } = await service();
    await register(svc, 'erin', 'pw erin');
    const phone = device();
    const first = await login(svc, 'erin', 'pw erin', phone);
    assert.ok(first.ok);
    assert.equal(await svc.revoke('erin', phone.deviceId, 2_000_000), true);
    const again = await login(svc, 'erin', 'pw erin', phone, '198.51.100.1', 2_000_001);
    assert.ok(!again.ok && again.code === 'DEVICE_REVOKED');
    assert.ok((await login(svc, 'erin', 'pw erin', device(), '198.51.100.1', 2_000_002)).ok);
  });

  test('registrations per address per hour are limited', async () => {
    const { svc } = await service({ registrationsPerAddressPerHour: 3 });
    for (let i = 0; i < 3; i++) assert.ok((await register(svc, `user${i}`, 'pw', '203.0.113.9')).ok);
    const r = await register(svc, 'user9', 'pw', '203.0.113.9');
    assert.ok(!r.ok && r.code === 'RATE_LIMITED');
    assert.ok((await register(svc, 'user9', 'pw', '203.0.113.10')).ok);
  });

  test('asking for taken names counts against the registrations per address (probing which names exist is limited too)', async () => {
    const { svc } = await service({ registrationsPerAddressPerHour: 3 });
    assert.ok((await register(svc, 'quinn', 'pw', '203.0.113.20')).ok);
    for (let i = 0; i < 2; i++) {
      const r = await register(svc, 'quinn', 'pw', '203.0.113.21');
      assert.ok(!r.ok && r.code === 'USERNAME_TAKEN');
    }
    assert.ok((await register(svc, 'quinn2', 'pw', '203.0.113.21')).ok);
    const probe = await register(svc, 'quinn', 'pw', '203.0.113.21');
    assert.ok(!probe.ok && probe.code === 'RATE_LIMITED', 'the fourth attempt from the address');
  });

  test('the SQLite database holds neither the password nor a plain hash of it', async () => {
    const { svc, store, path } = await service();
    const password = 'Tr0ub4dor&3 unique-password-5817';
    await exercise(svc, password);
    await store.close();
    const stored = Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
    assertHoldsNoPassword(stored, password);
    assert.ok(stored.includes(Buffer.from('frank')), 'the search would see what was stored (the username is there)');
  });
});

/** Registers frank with `password`, logs in with it and fails once with another. */
async function exercise(svc: LoginService, password: string): Promise<void> {
  assert.ok((await register(svc, 'frank', password)).ok);
  assert.ok((await login(svc, 'frank', password, device())).ok);
  assert.ok(!(await login(svc, 'frank', 'not it', device())).ok);
}

/** Fails if `stored` contains the password (UTF-8 or UTF-16) or its MD5/SHA-1/SHA-256/SHA-512 (raw, hex, base64). */
function assertHoldsNoPassword(stored: Buffer, password: string): void {
  const needles: Buffer[] = [Buffer.from(password, 'utf8'), Buffer.from(password, 'utf16le')];
  for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) {
    const digest = createHash(alg).update(password).digest();
    needles.push(digest, Buffer.from(digest.toString('hex')), Buffer.from(digest.toString('hex').toUpperCase()), Buffer.from(digest.toString('base64')), Buffer.from(digest.toString('base64url')));
  }
  for (const needle of needles) assert.equal(stored.indexOf(needle), -1, `found ${needle.toString('hex').slice(0, 16)}...`);
}

/** A PostgreSQL server to test against (.ci/run starts one and sets this). */
const postgresUrl = process.env['PARLEY_TEST_POSTGRES'];

describe('LoginService on PostgreSQL', { skip: postgresUrl ? false : 'PARLEY_TEST_POSTGRES is not set (.ci/run installs PostgreSQL and sets it)' }, () => {
  test('the PostgreSQL tables (every row of every column, and their files on disk) hold neither the password nor a plain hash of it', async () => {
    const schema = `parley_test_${randomBytes(6).toString('hex')}`;
    const store = new PostgresLoginStore({ connectionString: postgresUrl as string, schema });
    await store.migrate();
    const admin = new pg.Client({ connectionString: postgresUrl as string });
    await admin.connect();
    try {
      const password = 'Tr0ub4dor&3 unique-password-6029';
      await exercise(new LoginService({ store, ca, network: 'home', opaqueSetup: setup }), password);
      await store.close();

      // Every value as PostgreSQL returns it: bytea as its raw bytes, the rest as text.
      const tables = (await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema])).rows.map((r) => r.table_name);
      assert.ok(tables.includes('accounts'), `tables: ${tables.join(', ')}`);
      const parts: Buffer[] = [];
      for (const t of tables) {
        const rows = (await admin.query<Record<string, unknown>>(`SELECT * FROM ${schema}.${t}`)).rows;
        for (const row of rows) for (const v of Object.values(row)) parts.push(Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
      }
      const rows = Buffer.concat(parts);
      assertHoldsNoPassword(rows, password);
      assert.ok(rows.includes(Buffer.from('frank')), 'the search would see what was stored (the username is there)');

      // The tables' and indexes' files, after a checkpoint, where this process may read them (CI runs as root).
      await admin.query('CHECKPOINT');
      const dataDir = (await admin.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0]?.d ?? '';
      const files = (await admin.query<{ f: string | null }>("SELECT pg_relation_filepath(c.oid) AS f FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1", [schema])).rows
        .map((r) => (r.f === null ? '' : join(dataDir, r.f)))
        .filter((f) => f !== '' && existsSync(f));
      // A server on this machine whose data directory this process can see (CI: root) must show its files.
      if (existsSync(dataDir)) assert.ok(files.length >= 3, `files of ${schema} under ${dataDir}`);
      if (files.length > 0) {
        const disk = Buffer.concat(files.map((f) => readFileSync(f)));
        assertHoldsNoPassword(disk, password);
        assert.ok(disk.includes(Buffer.from('frank')), 'the files read hold the stored rows');
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});

describe('renewal without the password, and the revocation list', () => {
  test('a device renews with its signing key; a wrong proof, a stale request, a revoked device are refused', async () => {
    const { svc, store } = await service();
    await register(svc, 'gina', 'pw gina');
    const signer = signingKeyFromSeed(rng.bytes(32));
    const keys: DeviceKeys = { deviceId: rng.bytes(16), noiseKey: rng.bytes(32), signingKey: signer.publicKey };
    const first = await login(svc, 'gina', 'pw gina', keys);
    assert.ok(first.ok);
    const at = 1_000_000 + 60 * 60 * 1000;
    const proof = ed25519Sign(signer, renewalMessage(first.certificate, at));
    const renewed = await svc.renew(first.certificate, at, proof, at);
    assert.ok(renewed.ok);
    const check = verifyCertificate(renewed.certificate, ca.publicKey, 'home', at + 1);
    const before = verifyCertificate(first.certificate, ca.publicKey, 'home', at);
    assert.ok(check.ok && before.ok && check.body.notAfter > before.body.notAfter && check.body.serial !== before.body.serial);
    const stranger = signingKeyFromSeed(rng.bytes(32));
    const wrong = await svc.renew(first.certificate, at, ed25519Sign(stranger, renewalMessage(first.certificate, at)), at);
    assert.ok(!wrong.ok && wrong.code === 'LOGIN_FAILED');
    const stale = await svc.renew(first.certificate, at - 10 * 60 * 1000, ed25519Sign(signer, renewalMessage(first.certificate, at - 10 * 60 * 1000)), at);
    assert.ok(!stale.ok && stale.code === 'BAD_REQUEST');
    // A later login gives the device new keys: the certificate for the old keys no longer renews.
    const newSigner = signingKeyFromSeed(rng.bytes(32));
    const second = await login(svc, 'gina', 'pw gina', { deviceId: keys.deviceId, noiseKey: rng.bytes(32), signingKey: newSigner.publicKey });
    assert.ok(second.ok);
    const old = await svc.renew(first.certificate, at, proof, at);
    assert.ok(!old.ok && old.code === 'LOGIN_FAILED', JSON.stringify(old));
    assert.ok((await svc.renew(second.certificate, at, ed25519Sign(newSigner, renewalMessage(second.certificate, at)), at)).ok);
    await svc.revoke('gina', keys.deviceId, at + 5);
    const revoked = await svc.renew(first.certificate, at + 10, ed25519Sign(signer, renewalMessage(first.certificate, at + 10)), at + 10);
    assert.ok(!revoked.ok && revoked.code === 'DEVICE_REVOKED');

    const list = await makeRevocationList(store, ca, 'home', at + 20);
    const read = readRevocationList(list, ca.publicKey, 'home');
    assert.ok(read);
    assert.deepEqual(read.entries.map((e) => [e.account, Buffer.from(e.deviceId).toString('hex')]), [['gina', Buffer.from(keys.deviceId).toString('hex')]]);
    const tampered = Uint8Array.from(list);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    assert.equal(readRevocationList(tampered, ca.publicKey, 'home'), null);
    assert.equal(readRevocationList(list, ca.publicKey, 'work'), null);
  });
});
