import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519, type KeyPair } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { CA_KEY_FILE, readSecretKey } from '../../src/login/key-files.js';
import { DirectoryClient } from '../../src/overlay/directory/client.js';
import { slotOf } from '../../src/overlay/slots.js';
import { Ring } from '../../src/overlay/ring.js';
import { signUserRecord } from '../../src/overlay/user-record.js';
import { Prng } from '../../src/util/prng.js';
import { eventually, health, makeSupernodes, start, stop, type Node } from './processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-supernodes-'));
after(() => rmSync(root, { recursive: true, force: true }));
const rng = new Prng(505);

const hasStunClient = spawnSync('sh', ['-c', 'command -v turnutils_stunclient']).status === 0;

describe('five supernode processes on loopback', () => {
  const nodes: Node[] = [];
  const clients: DirectoryClient[] = [];
  after(async () => {
    for (const c of clients) await c.close();
    for (const n of nodes) await stop(n, 'SIGKILL');
  });

  test('they form one membership; records published at one are found through another; offline messages wait at the replicas, survive a crash, are fetched and acknowledged; a replica killed, lookups go on; a restart from the data directory rejoins; a graceful leave reaches every table; /metrics answers', { timeout: 180_000 }, async () => {
    const made = await makeSupernodes(root, 'five', 5);
    const net = made.net;
    nodes.push(...made.nodes);
    for (const [i, n] of nodes.entries()) await start(net, n, i === 0 ? null : (nodes[0] as Node));
    await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === 5), 30_000, 'all five see five members');

    // Devices of the network: certificates from its CA.
    const networkJson = JSON.parse(readFileSync(join(net, 'network.json'), 'utf8')) as { name: string; ca: { publicKey: string } };
    const caKey = new Uint8Array(Buffer.from(networkJson.ca.publicKey, 'hex'));
    const ca = signingKeyFromSeed(readSecretKey(join(net, CA_KEY_FILE), 'parley-ca-key'));
    const device = signingKeyFromSeed(rng.bytes(32));
    const deviceId = rng.bytes(16);
    const now = Date.now();
    const nadiaNoise = DH_25519.keyPairFrom(rng.bytes(32));
    const omarNoise = DH_25519.keyPairFrom(rng.bytes(32));
    const certificate = issueCertificate(ca, { kind: 'device', network: networkJson.name, username: 'Nadia', deviceId, noiseKey: nadiaNoise.publicKey, signingKey: device.publicKey, notBefore: now - 1000, notAfter: now + 3_600_000, serial: 7, endpoints: [] });
    const omarCertificate = issueCertificate(ca, { kind: 'device', network: networkJson.name, username: 'Omar', deviceId: rng.bytes(16), noiseKey: omarNoise.publicKey, signingKey: rng.bytes(32), notBefore: now - 1000, notAfter: now + 3_600_000, serial: 8, endpoints: [] });
    const record = (seq: number, presence: 'online' | 'away') => signUserRecord(device, { network: networkJson.name, accountKey: 'nadia', deviceId, certificate, presence, supernodes: [], candidates: ['udp:192.0.2.7:5000'], seq, issuedAt: Date.now(), ttlMs: 600_000 });
    const trust = { caPublicKey: caKey, network: networkJson.name };
    const via = async (n: Node, staticKey?: KeyPair): Promise<DirectoryClient> => {
      const c = await DirectoryClient.connect(Buffer.from(n.id, 'hex'), [{ transport: 'udp', host: '127.0.0.1', port: n.port }], trust, staticKey ? { staticKey } : {});
      clients.push(c);
      return c;
    };

    const publisher = await via(nodes[1] as Node);
    assert.deepEqual(await publisher.publish(record(1, 'online')), { stored: 3, replicas: 3 });
    const reader = await via(nodes[3] as Node);
    const found = await reader.lookup('Nadia');
    assert.equal(found.length, 1);
    assert.equal(found[0]?.username, 'Nadia');
    assert.deepEqual(found[0]?.body.candidates, ['udp:192.0.2.7:5000']);

    // Omar leaves Nadia a message while she is away: it waits at her slot's three replicas.
    const omar = await via(nodes[2] as Node, omarNoise);
    await assert.rejects(omar.sendOffline('nadia', rng.bytes(16), Buffer.from('x')), /NOT_IDENTIFIED/, 'no offline messages before hello');
    await assert.rejects(omar.hello(certificate), /WRONG_KEY/, "Nadia's certificate on Omar's session");
    assert.equal(await omar.hello(omarCertificate), 'omar');
    const messageId = rng.bytes(16);
    assert.deepEqual(await omar.sendOffline('Nadia', messageId, Buffer.from('sealed: call me')), { stored: 3, replicas: 3 });
    await omar.close();

    // Kill the primary replica of nadia's slot (not the reader's supernode): the lookup is hedged to another.
    const ring = new Ring(nodes.map((n) => n.id));
    const replicas = ring.replicasOf(slotOf('nadia'));
    const victim = nodes.find((n) => n.id === replicas[0] && n !== nodes[3] && n !== nodes[0]) ?? nodes.find((n) => replicas.includes(n.id) && n !== nodes[3] && n !== nodes[0]);
    assert.ok(victim, 'a replica other than the reader and the bootstrap');
    await stop(victim, 'SIGKILL');
    const again = await reader.lookup('Nadia');
    assert.equal(again.length, 1, 'found with a replica dead');
    await eventually(async () => (await Promise.all(nodes.filter((n) => n.child).map(health))).every((h) => h.members === 4), 30_000, 'the crash is noticed by all');

    // Restart it from its key and data directory: it comes back with a higher incarnation.
    await start(net, victim, nodes[0] as Node);
    await eventually(async () => (await Promise.all(nodes.map(health))).every((h) => h.members === 5), 30_000, 'the restarted supernode is back in every table');
    assert.ok((await health(victim)).incarnation >= 1, 'a higher incarnation than before the crash');
    assert.equal((await health(victim)).offline, 1, "the offline message survived the crash on the replica's disk");

    // Nadia's device fetches it (through another supernode) and acknowledges it: the replicas forget it.
    const nadia = await via(nodes[3] as Node, nadiaNoise);
    assert.equal(await nadia.hello(certificate), 'nadia');
    const inbox = await nadia.fetchOffline();
    assert.equal(inbox.length, 1);
    assert.equal(Buffer.from(inbox[0]?.blob ?? []).toString(), 'sealed: call me');
    assert.equal(inbox[0]?.sender, 'omar');
    nadia.ackOffline([messageId]);
    // (A supernode that held the slot only while the victim was down lets it go after a grace period.)
    const holders = nodes.filter((n) => replicas.includes(n.id));
    await eventually(async () => (await Promise.all(holders.map(health))).every((h) => h.offline === 0), 10_000, 'acknowledged by her only device: gone from every replica');
    await nadia.close();

    // A graceful stop: the others learn it from the leave, well before a failure would be declared.
    const leaving = nodes[4] as Node;
    await stop(leaving, 'SIGTERM');
    await eventually(async () => (await Promise.all(nodes.filter((n) => n.child).map(health))).every((h) => h.members === 4), 30_000, 'the leave is known everywhere');
    assert.equal((await reader.lookup('nadia')).length, 1);
    await publisher.close();
    await reader.close();

    const metrics = await (await fetch(`http://${(nodes[3] as Node).admin}/metrics`)).text();
    for (const name of ['parley_sessions', 'parley_lookups_total', 'parley_lookup_duration_seconds_bucket', 'parley_records_held', 'parley_slots_held', 'parley_watched_accounts', 'parley_membership_size', 'parley_offline_messages', 'parley_dropped_total']) assert.match(metrics, new RegExp(`^${name}`, 'm'), name);
    assert.match(metrics, /^parley_lookups_total\{outcome="found"\} [1-9]/m);
    assert.match(metrics, /^parley_membership_size 4$/m);
    // Slot pulls sent by a joining supernode before its alive event arrived were held, not dropped.
    for (const n of nodes.filter((x) => x.child)) {
      const m = await (await fetch(`http://${n.admin}/metrics`)).text();
      assert.doesNotMatch(m, /reason="(unexpected_command|peer_message_from_stranger)"\} [1-9]/, `supernode ${n.id.slice(0, 8)} dropped peer messages`);
    }
  });

  test("coturn's turnutils_stunclient against a running supernode's port prints its reflexive address", { skip: hasStunClient ? false : 'turnutils_stunclient is not installed (Debian package coturn; .ci/run installs it)', timeout: 30_000 }, async () => {
    const running = nodes.find((n) => n.child) ?? assert.fail('no supernode running');
    const stun = await promisify(execFile)('turnutils_stunclient', ['-p', String(running.port), '127.0.0.1']);
    assert.match(stun.stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });
});
