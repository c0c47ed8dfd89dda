/**
 * Sessions between devices through supernodes' relays (issue #7), on real supernode processes:
 * two devices with no UDP socket of their own (relays only) link through an allocation at one of
 * bob's supernodes; that supernode is killed (SIGKILL) in the middle of a transfer, and the
 * transfer completes without loss on another relay. A device that reaches supernodes only over
 * TCP is relayed over TCP. Devices with sockets move from the relay to the direct path, also when
 * their candidates appear only after the session was made.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { PeerLinks, type RelayTarget } from '../../src/client/peer-links.js';
import { SupernodeRelays } from '../../src/client/supernode-relays.js';
import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519, type KeyPair } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { CA_KEY_FILE, readSecretKey } from '../../src/login/key-files.js';
import { readNetworkFile } from '../../src/login/network-file.js';
import { SupernodeAttachment } from '../../src/overlay/attachment.js';
import { HostCache } from '../../src/overlay/host-cache.js';
import { Prng } from '../../src/util/prng.js';
import { eventually, health, makeSupernodes, startAll, stop, type Node } from '../supernode/processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-relay-'));
const nodes: Node[] = [];
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
const rng = new Prng(4242);

interface Device {
  readonly username: string;
  readonly deviceId: Uint8Array;
  readonly noise: KeyPair;
  readonly links: PeerLinks;
  readonly attachment: SupernodeAttachment;
  /** Blobs received, as text. */
  readonly got: string[];
}

test('relays on supernode processes: a transfer survives the relaying supernode being killed; a device that reaches supernodes only over TCP is relayed over TCP; checks move a session to the direct path, also one offered later', { timeout: 180_000 }, async () => {
  const made = await makeSupernodes(root, 'relays', 3);
  nodes.push(...made.nodes);
  await startAll(made.net, nodes);
  const network = readNetworkFile(JSON.parse(readFileSync(join(made.net, 'network.json'), 'utf8')));
  const ca = signingKeyFromSeed(readSecretKey(join(made.net, CA_KEY_FILE), 'parley-ca-key'));
  const caPublicKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
  const trust = { caPublicKey, network: network.name };

  /** Candidates are offered only while `shown.now` (a device whose addresses appear later). */
  const device = async (username: string, transport: 'udp' | 'tcp', direct = false, shown = { now: true }): Promise<Device> => {
    const noise = DH_25519.keyPairFrom(rng.bytes(32));
    const deviceId = rng.bytes(16);
    const now = Date.now();
    const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username, deviceId, noiseKey: noise.publicKey, signingKey: signingKeyFromSeed(rng.bytes(32)).publicKey, notBefore: now - 1000, notAfter: now + 86_400_000, serial: 1, endpoints: [] });
    const cache = new HostCache();
    for (const n of nodes.filter((x) => x.child)) cache.add(n.id, [`${transport}:127.0.0.1:${n.port}`], Date.now());
    const got: string[] = [];
    let links: PeerLinks | null = null;
    const attachment = new SupernodeAttachment({
      cache,
      trust,
      staticKey: noise,
      count: 2,
      onAttach: async (_id, client) => void (await client.hello(certificate)),
      onRelay: (p, from) => links?.relayed(from, p),
    });
    const relays = new SupernodeRelays({ attachment: () => attachment, cache, trust, staticKey: noise, certificate: () => certificate, onRelay: (p, from) => links?.relayed(from, p) });
    links = await PeerLinks.open({
      noiseKey: noise,
      certificate,
      caPublicKey,
      network: network.name,
      port: direct ? 0 : null,
      relays,
      candidates: () => ({ host: shown.now ? (links?.hostCandidates({ loopback: true }) ?? []) : [], reflexive: [] }),
      checkAgainMs: 300,
      onEnvelope: (blob) => {
        got.push(Buffer.from(blob).toString());
        return Promise.resolve(true);
      },
    });
    const l = links;
    cleanup.push(async () => {
      await l.close();
      await relays.stop();
      await attachment.stop();
    });
    await attachment.run();
    await eventually(() => Promise.resolve(attachment.ids().length === 2), 15_000, `${username} attached to two supernodes`);
    return { username, deviceId, noise, links, attachment, got };
  };
  const target = (d: Device): RelayTarget => ({ account: d.username, deviceId: d.deviceId, supernodes: d.attachment.ids() });

  const alice = await device('alice', 'udp');
  const bob = await device('bob', 'udp');
  assert.equal(alice.links.port, null, 'no UDP socket of its own: relays only');
  assert.equal(await alice.links.link(bob.noise.publicKey, [], target(bob)), true);
  assert.equal(alice.links.path(bob.noise.publicKey), 'relay-udp');
  const relaying = async (): Promise<Node[]> => {
    const live = nodes.filter((n) => n.child);
    const hs = await Promise.all(live.map((n) => health(n) as Promise<{ relays?: number }>));
    return live.filter((_, i) => (hs[i]?.relays ?? 0) > 0);
  };
  const [first] = await relaying();
  assert.ok(first && target(bob).supernodes.includes(first.id), 'the allocation is at one of bob’s supernodes');

  // The transfer: 300 envelopes, 16 in flight; the relaying supernode is killed after the 100th is answered.
  const total = 300;
  let next = 0;
  let answered = 0;
  let killedAt = 0;
  const answers: number[] = [];
  const failures: number[] = [];
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const ok = await alice.links.send(bob.noise.publicKey, Buffer.from(`chunk ${i} `.padEnd(1000, '.')));
      if (!ok) failures.push(i);
      answered++;
      answers.push(Date.now());
      if (answered === 100 && killedAt === 0) {
        killedAt = Date.now();
        await stop(first, 'SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.deepEqual(failures, [], 'every envelope was answered as taken');
  const received = new Set(bob.got.map((t) => Number(/^chunk (\d+)/.exec(t)?.[1])));
  assert.equal(received.size, total, 'bob has every chunk');
  assert.ok(alice.links.stats.relayFailovers >= 1, 'the session moved to another relay');
  assert.equal(alice.links.path(bob.noise.publicKey), 'relay-udp');
  const [second] = await relaying();
  assert.ok(second && second.id !== first.id, 'relayed by another supernode now');
  const stall = Math.max(...answers.filter((t) => t >= killedAt).map((t, i, a) => (i === 0 ? t - killedAt : t - (a[i - 1] as number))));
  console.log(`relay failover: longest wait for an answer after the kill ${stall} ms; ${bob.got.length - total} envelopes arrived twice (sent again on the new relay)`);

  // A device that reaches supernodes only over TCP: relayed over TCP, both ways.
  const carol = await device('carol', 'tcp');
  assert.equal(await carol.links.link(bob.noise.publicKey, [], target(bob)), true);
  assert.equal(carol.links.path(bob.noise.publicKey), 'relay-tcp');
  assert.equal(await carol.links.send(bob.noise.publicKey, Buffer.from('over tcp')), true);
  assert.equal(await bob.links.send(carol.noise.publicKey, Buffer.from('and back')), true);
  assert.ok(bob.got.includes('over tcp') && carol.got.includes('and back'));

  // Two devices with UDP sockets: linked through a relay first, then the checks find the direct path.
  const dave = await device('dave', 'udp', true);
  const erin = await device('erin', 'udp', true);
  assert.equal(await dave.links.link(erin.noise.publicKey, [], target(erin)), true);
  assert.equal(dave.links.path(erin.noise.publicKey), 'relay-udp', 'the first path is the relay');
  await eventually(() => Promise.resolve(dave.links.path(erin.noise.publicKey) === 'direct' && erin.links.path(dave.noise.publicKey) === 'direct'), 10_000, 'both on the direct path');
  assert.equal(await dave.links.send(erin.noise.publicKey, Buffer.from('direct now')), true);
  assert.equal(await erin.links.send(dave.noise.publicKey, Buffer.from('direct too')), true);
  assert.ok(erin.got.includes('direct now') && dave.got.includes('direct too'));
  const directAfter = dave.links.sessions().find((x) => x.account === 'erin')?.directAfterMs;
  assert.ok(typeof directAfter === 'number');
  console.log(`direct path after ${directAfter} ms on the relay`);

  // A direct path that becomes possible later: neither device offers candidates at first (the session stays on the relay), then both do.
  const shown = { now: false };
  const frank = await device('frank', 'udp', true, shown);
  const gina = await device('gina', 'udp', true, shown);
  assert.equal(await frank.links.link(gina.noise.publicKey, [], target(gina)), true);
  assert.equal(await frank.links.echo(gina.noise.publicKey, Buffer.from('still relayed')), true);
  assert.equal(frank.links.path(gina.noise.publicKey), 'relay-udp', 'no candidates, no direct path');
  shown.now = true;
  assert.equal(await frank.links.whenDirect(gina.noise.publicKey, 10_000), true, 'moved to the direct path once it was offered');
  assert.equal(await gina.links.send(frank.noise.publicKey, Buffer.from('later, direct')), true);
});
