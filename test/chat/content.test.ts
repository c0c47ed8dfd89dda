import assert from 'node:assert/strict';
import { test } from 'node:test';

import { directConversation, directMembers, readContent, writeContent } from '../../src/chat/content.js';
import { formatMessageId, isMessageId, MessageIdGenerator, messageIdTime, parseMessageId } from '../../src/chat/message-id.js';
import { Prng } from '../../src/util/prng.js';

test('message ids are UUIDv7s that carry their time and only grow, within a millisecond and when the clock steps back', () => {
  const rng = new Prng(5);
  const gen = new MessageIdGenerator((n) => rng.bytes(n));
  const times = [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000, 1_699_999_999_000, 1_700_000_000_001, 1_700_000_005_000];
  const ids = times.map((t) => gen.next(t));
  for (const id of ids) assert.ok(isMessageId(id), formatMessageId(id));
  for (let i = 1; i < ids.length; i++) assert.ok(Buffer.compare(ids[i - 1] as Uint8Array, ids[i] as Uint8Array) < 0, `id ${i} grows`);
  assert.equal(messageIdTime(ids[0] as Uint8Array), times[0]);
  assert.equal(messageIdTime(ids[3] as Uint8Array), times[0], 'held at the last time when the clock went back');
  assert.equal(messageIdTime(ids[5] as Uint8Array), times[5]);
  const text = formatMessageId(ids[0] as Uint8Array);
  assert.match(text, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(parseMessageId(text), ids[0]);
  assert.equal(parseMessageId('not-an-id'), null);
  assert.equal(parseMessageId('00000000-0000-4000-8000-000000000000'), null, 'a UUIDv4 is not a message id');
  // 10,000 in one millisecond: still strictly increasing (the random part counts up past its version and variant bits).
  let prev = gen.next(1_800_000_000_000);
  for (let i = 0; i < 10_000; i++) {
    const id = gen.next(1_800_000_000_000);
    assert.ok(Buffer.compare(prev, id) < 0 && isMessageId(id));
    prev = id;
  }
});

test('content: a direct conversation has one name on both sides; what a sender may say is checked, anything else refused with a reason', () => {
  assert.equal(directConversation('bob', 'alice'), 'dm:alice,bob');
  assert.deepEqual(directMembers('dm:alice,bob'), ['alice', 'bob']);
  const dm = directConversation('alice', 'bob');
  const ok = readContent(writeContent({ kind: 'text', conversation: dm, text: 'hi', members: [] }), 'alice');
  assert.ok(ok.ok && ok.content.text === 'hi');
  const group = 'grp:' + 'ab'.repeat(16);
  assert.ok(readContent(writeContent({ kind: 'text', conversation: group, text: 'all', members: ['alice', 'bob', 'carol'], title: 'trip' }), 'carol').ok);
  assert.ok(readContent(writeContent({ kind: 'contact-request', conversation: '', text: 'it is me, Alice', members: ['bob'] }), 'alice').ok);
  assert.equal(readContent(writeContent({ kind: 'contact-request', conversation: '', text: 'x', members: [] }), 'alice').ok, false, 'a contact item names its addressee');
  const refused: [string, Uint8Array, string][] = [
    ['not the sender’s direct conversation', writeContent({ kind: 'text', conversation: directConversation('bob', 'carol'), text: 'x', members: [] }), 'alice'],
    ['a misordered direct name', writeContent({ kind: 'text', conversation: 'dm:bob,alice', text: 'x', members: [] }), 'alice'],
    ['a group without the sender', writeContent({ kind: 'text', conversation: group, text: 'x', members: ['bob', 'carol'] }), 'alice'],
    ['members that are not account keys', writeContent({ kind: 'text', conversation: group, text: 'x', members: ['alice', 'Bob'] }), 'alice'],
    ['a text without text', writeContent({ kind: 'text', conversation: dm, members: [] }), 'alice'],
    ['an edit without a target', writeContent({ kind: 'edit', conversation: dm, text: 'x', members: [] }), 'alice'],
    ['a receipt without its kind', writeContent({ kind: 'receipt', conversation: dm, target: new Uint8Array(16), members: [] }), 'alice'],
    ['a contact item in a conversation', writeContent({ kind: 'contact-accept', conversation: dm, members: ['bob'] }), 'alice'],
    ['no conversation', writeContent({ kind: 'typing', conversation: 'general', members: [] }), 'alice'],
    ['not a message', Buffer.from('hello'), 'alice'],
  ];
  for (const [what, bytes, sender] of refused) {
    const r = readContent(bytes, sender);
    assert.equal(r.ok, false, what);
  }
});
