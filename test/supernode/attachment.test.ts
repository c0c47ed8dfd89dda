import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { SupernodeAttachment } from '../../src/overlay/attachment.js';
import { HostCache } from '../../src/overlay/host-cache.js';
import { Prng } from '../../src/util/prng.js';
import { eventually, health, makeSupernodes, start, stop, type Node } from './processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-attach-'));
const nodes: Node[] = [];
let attachment: SupernodeAttachment | null = null;
after(async () => {
  await attachment?.stop();
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

test('a client attaches to 2 of 3 supernodes from its host cache; when one dies it moves to another (how fast: `parley bench directory`); supernodes tell it of others', { timeout: 120_000 }, async () => {
  const made = await makeSupernodes(root, 'attach', 3);
  nodes.push(...made.nodes);
  for (const [i, n] of nodes.entries()) await start(made.net, n, i === 0 ? null : (nodes[0] as Node));
  await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === 3), 30_000, 'three members');
  const network = JSON.parse(readFileSync(join(made.net, 'network.json'), 'utf8')) as { name: string; ca: { publicKey: string } };
  const trust = { caPublicKey: new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network: network.name };

  // The cache starts with one supernode (as from network.json); the others come from it.
  const cache = new HostCache();
  const first = nodes[0] as Node;
  cache.add(first.id, [`udp:127.0.0.1:${first.port}`], Date.now());
  const changes: string[][] = [];
  attachment = await SupernodeAttachment.start({ cache, trust, staticKey: DH_25519.keyPairFrom(new Prng(9).bytes(32)), count: 2, onChange: (ids) => changes.push(ids) });
  assert.deepEqual(attachment.ids(), [first.id], 'only one known so far');
  const primary = attachment.primary() ?? assert.fail('attached');
  const others = await primary.listSupernodes(10);
  assert.deepEqual(others.map((o) => o.id).sort(), nodes.slice(1).map((n) => n.id).sort(), 'the other two, with endpoints from their certificates');
  for (const o of others) cache.add(o.id, o.endpoints, Date.now());
  await eventually(() => Promise.resolve(attachment?.ids().length === 2), 30_000, 'attached to two');

  const victimId = attachment.ids().find((x) => x !== first.id) ?? assert.fail();
  const victim = nodes.find((n) => n.id === victimId) ?? assert.fail();
  await stop(victim, 'SIGKILL');
  await eventually(() => Promise.resolve(attachment?.ids().length === 2 && !attachment.ids().includes(victimId)), 30_000, 'on two live supernodes again');
  assert.ok(changes.length >= 3, 'each change was reported');
  assert.ok((cache.ranked(Date.now()).at(-1)?.id ?? '') === victimId, 'the dead one ranks last');
});
