import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { MemoryOfflineStorage } from '../../src/overlay/offline/memory-storage.js';
import { DEFAULT_OFFLINE_QUOTAS, type OfflineStorage, type StoredMessage } from '../../src/overlay/offline/storage.js';
import { SqliteOfflineStorage } from '../../src/supernode/offline-sqlite.js';
import { Prng } from '../../src/util/prng.js';

const root = mkdtempSync(join(tmpdir(), 'parley-offline-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const rng = new Prng(30);
const message = (over: Partial<StoredMessage> = {}): StoredMessage => ({ id: rng.bytes(16), recipient: 'rita', sender: 'sam', slot: 7, blob: rng.bytes(100), storedAt: 1000 + n++, expiresAt: 10_000, ...over });
const phone = rng.bytes(16);
const laptop = rng.bytes(16);

const implementations: [string, () => OfflineStorage][] = [
  ['memory', () => new MemoryOfflineStorage()],
  ['SQLite', () => new SqliteOfflineStorage(join(root, `db${n++}`))],
];

for (const [name, make] of implementations) {
  describe(`offline storage: ${name}`, () => {
    test('append stores once; pending is per device, oldest first, without expired ones', () => {
      const s = make();
      const a = message();
      const b = message();
      assert.equal(s.append(a, DEFAULT_OFFLINE_QUOTAS), 'stored');
      assert.equal(s.append(a, DEFAULT_OFFLINE_QUOTAS), 'duplicate');
      assert.equal(s.append(b, DEFAULT_OFFLINE_QUOTAS), 'stored');
      assert.equal(s.append(message({ expiresAt: 500 }), DEFAULT_OFFLINE_QUOTAS), 'stored');
      assert.deepEqual(s.pending('rita', phone, 1000, 10).map((m) => Buffer.from(m.id).toString('hex')), [a, b].map((m) => Buffer.from(m.id).toString('hex')));
      assert.equal(s.pending('rita', phone, 1000, 1).length, 1);
      assert.deepEqual(s.pending('ruth', phone, 1000, 10), []);
      assert.deepEqual(s.size(), { messages: 3, bytes: 300 });
      s.close();
    });

    test('acknowledged per device; removed once every device has acknowledged', () => {
      const s = make();
      const a = message();
      s.append(a, DEFAULT_OFFLINE_QUOTAS);
      s.ack('rita', phone, [a.id], [phone, laptop]);
      assert.equal(s.pending('rita', phone, 1000, 10).length, 0);
      assert.equal(s.pending('rita', laptop, 1000, 10).length, 1, 'the laptop still gets it');
      s.ack('ruth', laptop, [a.id], [phone, laptop]);
      assert.equal(s.size().messages, 1, "another account's ack changes nothing");
      s.ack('rita', laptop, [a.id], [phone, laptop]);
      assert.equal(s.size().messages, 0);
      s.close();
    });

    test('quotas: per recipient, per sender per recipient, in all', () => {
      const s = make();
      const q = { messagesPerRecipient: 3, bytesPerRecipient: 250, messagesPerSenderPerRecipient: 2, messagesTotal: 4 };
      const small = (over: Partial<StoredMessage> = {}): StoredMessage => message({ blob: rng.bytes(10), ...over });
      assert.equal(s.append(small(), q), 'stored');
      assert.equal(s.append(small(), q), 'stored');
      assert.equal(s.append(small(), q), 'QUOTA_SENDER');
      assert.equal(s.append(small({ sender: 'tom', blob: rng.bytes(300) }), q), 'QUOTA_RECIPIENT', 'bytes');
      assert.equal(s.append(small({ sender: 'tom' }), q), 'stored');
      assert.equal(s.append(small({ sender: 'una' }), q), 'QUOTA_RECIPIENT', 'messages');
      assert.equal(s.append(small({ recipient: 'ruth' }), q), 'stored');
      assert.equal(s.append(small({ recipient: 'rosa' }), q), 'QUOTA_TOTAL');
      s.close();
    });

    test('slots move: listed with their acks, dropped; expiry removes', () => {
      const s = make();
      const a = message({ slot: 9 });
      s.append(a, DEFAULT_OFFLINE_QUOTAS);
      s.append(message({ slot: 10 }), DEFAULT_OFFLINE_QUOTAS);
      s.ack('rita', phone, [a.id], [phone, laptop]);
      const nine = s.slot(9, 1000);
      assert.equal(nine.length, 1);
      assert.deepEqual(nine[0]?.ackedBy.map((d) => Buffer.from(d).toString('hex')), [Buffer.from(phone).toString('hex')]);
      assert.equal(s.dropSlot(9), 1);
      assert.equal(s.expire(10_000), 1);
      assert.equal(s.size().messages, 0);
      s.close();
    });
  });
}

test('SQLite: what was stored survives closing and reopening (a restart)', () => {
  const dir = join(root, 'durable');
  const s = new SqliteOfflineStorage(dir);
  const a = message();
  s.append(a, DEFAULT_OFFLINE_QUOTAS);
  s.ack('rita', phone, [a.id], [phone, laptop]);
  s.close();
  const again = new SqliteOfflineStorage(dir);
  assert.equal(again.pending('rita', laptop, 1000, 10).length, 1);
  assert.equal(again.pending('rita', phone, 1000, 10).length, 0);
  again.close();
});
