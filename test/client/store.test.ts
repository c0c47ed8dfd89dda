import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import Database from 'better-sqlite3';

import { directConversation } from '../../src/chat/content.js';
import { MessageIdGenerator } from '../../src/chat/message-id.js';
import { ClientStore } from '../../src/client/store.js';
import { Prng } from '../../src/util/prng.js';

const root = mkdtempSync(join(tmpdir(), 'parley-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
const rng = new Prng(8);
const ids = new MessageIdGenerator((n) => rng.bytes(n));
const dm = directConversation('alice', 'bob');
const aliceDevice = rng.bytes(16);
const bobDevice = rng.bytes(16);
let clock = 1_800_000_000_000;
const message = (sender: 'alice' | 'bob', text: string, outgoing = sender === 'alice') => {
  clock += 10;
  return { id: ids.next(clock), conversation: dm, sender, senderDevice: sender === 'alice' ? aliceDevice : bobDevice, sentAt: clock, receivedAt: clock + 5, text, outgoing, state: outgoing ? ('sending' as const) : ('received' as const) };
};

test('a message is added once however often it comes; history is in id order and pages backwards', () => {
  const store = ClientStore.open(':memory:');
  const ms = Array.from({ length: 30 }, (_, i) => message(i % 2 === 0 ? 'alice' : 'bob', `message ${i}`));
  for (const m of [...ms].reverse()) assert.equal(store.addMessage(m, ['alice', 'bob']), true);
  for (const m of ms) assert.equal(store.addMessage(m), false, 'the same id again changes nothing');
  const last10 = store.history(dm, 10);
  assert.deepEqual(last10.map((m) => m.text), ms.slice(20).map((m) => m.text));
  const before = store.history(dm, 10, last10[0]?.id);
  assert.deepEqual(before.map((m) => m.text), ms.slice(10, 20).map((m) => m.text));
  assert.equal(store.history(dm, 100).length, 30);
  store.close();
});

test('edits and deletions only by the sender; a deleted message leaves the search; search finds words, prefixes and accents', () => {
  const store = ClientStore.open(':memory:');
  const a = message('alice', 'Meet me at the café near the station');
  const b = message('bob', 'Sure, see you at seven');
  store.addMessage(a);
  store.addMessage(b);
  assert.equal(store.edit(a.id, 'bob', 'hacked', clock), false, "bob cannot edit alice's message");
  assert.equal(store.edit(a.id, 'alice', 'Meet me at the cafe by the station', clock + 1), true);
  assert.equal(store.message(a.id)?.editedAt, clock + 1);
  assert.deepEqual(store.search('cafe').map((h) => h.message.sender), ['alice']);
  assert.deepEqual(store.search('CAFÉ').map((h) => h.message.sender), ['alice'], 'diacritics and case folded');
  assert.deepEqual(store.search('stat*').map((h) => h.message.sender), ['alice']);
  assert.match(store.search('station')[0]?.snippet ?? '', /\[station\]/);
  assert.deepEqual(store.search('see seven').map((h) => h.message.sender), ['bob'], 'all words');
  assert.deepEqual(store.search('"; DROP TABLE messages; --'), [], 'query syntax is not passed through');
  assert.equal(store.delete(b.id, 'alice'), false);
  assert.equal(store.delete(b.id, 'bob'), true);
  assert.deepEqual(store.search('seven'), []);
  assert.equal(store.message(b.id)?.deleted, true);
  assert.equal(store.message(b.id)?.text, '');
  store.close();
});

test('outgoing states only move forward; reading marks incoming messages read and the unread count falls', () => {
  const store = ClientStore.open(':memory:');
  const out = message('alice', 'hi');
  store.addMessage(out, ['alice', 'bob']);
  assert.equal(store.advance(out.id, 'sent'), true);
  assert.equal(store.advance(out.id, 'read'), true);
  assert.equal(store.advance(out.id, 'delivered'), false, 'a late delivery receipt does not undo read');
  assert.equal(store.message(out.id)?.state, 'read');
  const ins = [message('bob', 'one'), message('bob', 'two'), message('bob', 'three')];
  for (const m of ins) store.addMessage(m);
  assert.equal(store.advance(ins[0]?.id ?? new Uint8Array(16), 'read'), false, 'incoming messages have no outgoing state');
  assert.equal(store.conversations()[0]?.unread, 3);
  store.markRead(dm, ins[1]?.id ?? new Uint8Array(16));
  const [c] = store.conversations();
  assert.equal(c?.unread, 1);
  assert.equal(c?.last?.text, 'three');
  assert.deepEqual(c?.members, ['alice', 'bob']);
  store.close();
});

test('contacts; the outbox hands out what is due and keeps it until sent; seen ids; everything survives reopening', () => {
  const path = join(root, 'store.db');
  let store = ClientStore.open(path);
  store.setContact('bob', 'Bob', 'requested', clock, 'hi, it is Alice');
  store.setContact('bob', 'Bob', 'accepted', clock + 1);
  assert.deepEqual(store.contact('bob'), { account: 'bob', username: 'Bob', state: 'accepted', greeting: 'hi, it is Alice', updatedAt: clock + 1 });
  const id = ids.next(clock);
  store.enqueue(id, 'bob', Buffer.from('envelope'), clock);
  store.enqueue(id, 'bob', Buffer.from('envelope'), clock);
  store.enqueue(id, 'alice', Buffer.from('envelope'), clock + 100);
  assert.equal(store.outboxSize, 2);
  assert.deepEqual(store.due(clock).map((o) => o.recipient), ['bob']);
  store.retry(id, 'bob', clock + 1000);
  assert.equal(store.nextDue(), clock + 100);
  assert.equal(store.firstSeen(id, clock), true);
  assert.equal(store.firstSeen(id, clock), false);
  store.setSetting('presence', 'away');
  store.close();
  store = ClientStore.open(path);
  assert.equal(store.contact('bob')?.state, 'accepted');
  assert.deepEqual(store.due(clock + 1000).map((o) => [o.recipient, o.attempts]), [['alice', 0], ['bob', 1]]);
  store.sent(id, 'bob');
  assert.equal(store.outboxSize, 1);
  assert.equal(store.firstSeen(id, clock), false, 'remembered across a restart');
  assert.equal(store.setting('presence'), 'away');
  assert.equal(store.pruneSeen(clock + 61 * 24 * 3_600_000), 1);
  store.close();
});

test('a store from a newer version, or a file that is not a database, is refused with a clear error', () => {
  const newer = join(root, 'newer.db');
  ClientStore.open(newer).close();
  const db = new Database(newer);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => ClientStore.open(newer), /newer Parley \(schema 99/);
  const junk = join(root, 'junk.db');
  writeFileSync(junk, 'this is not sqlite, just text that is long enough to be read as a header....');
  assert.throws(() => ClientStore.open(junk), /not a database/);
});
