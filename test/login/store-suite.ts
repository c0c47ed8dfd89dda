/** The login store's test suite, run against every implementation (SQLite now, PostgreSQL later). */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { LoginStore } from '../../src/login/store/login-store.js';

/** Opens a fresh, empty store; `second` opens another connection to the same database. */
export interface StoreFactory {
  readonly fresh: () => Promise<{ store: LoginStore; second: () => Promise<LoginStore> }>;
}

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

/** Registers the suite's tests under the current describe(). */
export function loginStoreSuite(factory: StoreFactory): void {
  test('migrations are idempotent', async () => {
    const { store } = await factory.fresh();
    await store.migrate();
    await store.migrate();
    assert.equal(await store.getAccount('nobody'), null);
    await store.close();
  });

  test('an account is created once; its record comes back intact', async () => {
    const { store } = await factory.fresh();
    const a = { key: 'alice', display: 'Alice', opaqueRecord: bytes(192, 7), createdAt: 1000 };
    assert.equal(await store.createAccount(a), 'created');
    assert.equal(await store.createAccount({ ...a, display: 'ALICE', opaqueRecord: bytes(192, 8) }), 'exists');
    const back = await store.getAccount('alice');
    assert.deepEqual(back && { ...back, opaqueRecord: Buffer.from(back.opaqueRecord) }, { ...a, opaqueRecord: Buffer.from(a.opaqueRecord) });
    await store.close();
  });

  test('two connections racing to create the same account: exactly one wins', async () => {
    const { store, second } = await factory.fresh();
    const other = await second();
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).createAccount({ key: 'race', display: `race${i}`, opaqueRecord: bytes(8, i), createdAt: i })),
    );
    assert.equal(attempts.filter((r) => r === 'created').length, 1);
    await other.close();
    await store.close();
  });

  test('devices: added, updated, listed; once revoked they stay revoked and get no new keys', async () => {
    const { store } = await factory.fresh();
    await store.createAccount({ key: 'bob', display: 'bob', opaqueRecord: bytes(8, 1), createdAt: 1 });
    const d = { accountKey: 'bob', deviceId: bytes(16, 1), noiseKey: bytes(32, 2), signingKey: bytes(32, 3), createdAt: 10 };
    assert.equal(await store.putDevice(d), true);
    assert.equal(await store.putDevice({ ...d, noiseKey: bytes(32, 4) }), true);
    assert.deepEqual(Buffer.from((await store.getDevice('bob', d.deviceId))?.noiseKey ?? []), Buffer.from(bytes(32, 4)));
    await store.putDevice({ ...d, deviceId: bytes(16, 2), createdAt: 11 });
    assert.equal((await store.listDevices('bob')).length, 2);
    assert.equal(await store.revokeDevice('bob', d.deviceId, 500), true);
    assert.equal(await store.revokeDevice('bob', bytes(16, 9), 500), false);
    assert.equal(await store.putDevice({ ...d, noiseKey: bytes(32, 5) }), false);
    const revoked = await store.listRevoked();
    assert.deepEqual(revoked.map((r) => [r.accountKey, Buffer.from(r.deviceId).toString('hex'), r.revokedAt]), [['bob', Buffer.from(d.deviceId).toString('hex'), 500]]);
    await store.close();
  });

  test('serials increase strictly, across connections', async () => {
    const { store, second } = await factory.fresh();
    const other = await second();
    const serials = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? store : other).nextSerial()));
    assert.equal(new Set(serials).size, 30);
    assert.ok(serials.every((s) => s >= 1));
    await other.close();
    await store.close();
  });

  test('failures and registrations are counted per key within a time window, and failures can be cleared', async () => {
    const { store } = await factory.fresh();
    for (const at of [100, 200, 300]) await store.recordFailure('account', 'carol', at);
    await store.recordFailure('address', '203.0.113.5', 250);
    assert.deepEqual(await store.failuresSince('account', 'carol', 150), { count: 2, latest: 300 });
    assert.deepEqual(await store.failuresSince('account', 'dave', 0), { count: 0, latest: null });
    await store.clearFailures('account', 'carol');
    assert.equal((await store.failuresSince('account', 'carol', 0)).count, 0);
    assert.equal((await store.failuresSince('address', '203.0.113.5', 0)).count, 1);
    for (const at of [10, 20, 30]) await store.recordRegistration('198.51.100.1', at);
    assert.equal(await store.registrationsSince('198.51.100.1', 15), 2);
    await store.close();
  });

  test('one failure can be forgiven; old failures and registrations are pruned', async () => {
    const { store } = await factory.fresh();
    for (const at of [100, 100, 200]) await store.recordFailure('address', '203.0.113.7', at);
    await store.recordFailure('address', '203.0.113.8', 100);
    await store.forgiveFailure('address', '203.0.113.7', 100);
    assert.deepEqual(await store.failuresSince('address', '203.0.113.7', 0), { count: 2, latest: 200 });
    assert.equal((await store.failuresSince('address', '203.0.113.8', 0)).count, 1, 'only that key');
    await store.forgiveFailure('address', '203.0.113.7', 150); // none at that time: nothing removed
    assert.equal((await store.failuresSince('address', '203.0.113.7', 0)).count, 2);
    for (const at of [50, 150]) await store.recordRegistration('198.51.100.2', at);
    assert.equal(await store.pruneBefore(150), 3); // the two failures at 100 (one per key) and the registration at 50
    assert.deepEqual(await store.failuresSince('address', '203.0.113.7', 0), { count: 1, latest: 200 });
    assert.equal((await store.failuresSince('address', '203.0.113.8', 0)).count, 0);
    assert.equal(await store.registrationsSince('198.51.100.2', 0), 1);
    await store.close();
  });
}
