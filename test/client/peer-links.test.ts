import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';

import { dialOrder } from '../../src/client/candidates.js';
import { PEER_ENVELOPES_BURST, PEER_UNUSED_MS, PeerLinks, type PeerDevice } from '../../src/client/peer-links.js';
import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { StunBindingServer } from '../../src/stun/binding-server.js';
import { UdpDriver } from '../../src/transport/drivers/udp.js';
import { SessionEndpoint } from '../../src/transport/endpoint.js';

const NETWORK = 'links';
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const ca = signingKeyFromSeed(random(32));
const open: PeerLinks[] = [];
after(async () => {
  for (const l of open) await l.close();
});

interface Peer {
  readonly links: PeerLinks;
  readonly noise: ReturnType<typeof DH_25519.keyPairFrom>;
  readonly got: { blob: Uint8Array; from: PeerDevice }[];
  answer: boolean;
}

async function peer(username: string, options: { caKey?: typeof ca; certifiedKey?: Uint8Array; clock?: () => number } = {}): Promise<Peer> {
  const noise = DH_25519.keyPairFrom(random(32));
  const now = Date.now();
  const certificate = issueCertificate(options.caKey ?? ca, { kind: 'device', network: NETWORK, username, deviceId: random(16), noiseKey: options.certifiedKey ?? noise.publicKey, signingKey: signingKeyFromSeed(random(32)).publicKey, notBefore: now - 60_000, notAfter: now + 3_600_000, serial: 1, endpoints: [] });
  const p: Peer = {
    noise,
    got: [],
    answer: true,
    links: await PeerLinks.open({ noiseKey: noise, certificate, caPublicKey: ca.publicKey, network: NETWORK, ...(options.clock ? { clock: options.clock } : {}), onEnvelope: (blob, from) => (p.got.push({ blob, from }), Promise.resolve(p.answer)) }),
  };
  open.push(p.links);
  return p;
}

/** A UDP port nobody answers on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('direct sessions between devices', () => {
  test('a session unused for 10 minutes is closed (its keepalives would keep it, and a relay, forever); a used one is not', { timeout: 20_000 }, async () => {
    let skew = 0;
    const alice = await peer('Alice', { clock: () => Date.now() + skew });
    const bob = await peer('bob');
    assert.equal(await alice.links.link(bob.noise.publicKey, dialOrder(bob.links.hostCandidates({ loopback: true }), { ipv6: alice.links.ipv6 })), true);
    assert.equal(await alice.links.send(bob.noise.publicKey, Uint8Array.of(1)), true);
    assert.equal(alice.links.closeUnused(), 0, 'just used');
    skew = PEER_UNUSED_MS;
    assert.equal(alice.links.closeUnused(), 1);
    assert.equal(alice.links.isLinked(bob.noise.publicKey), false);
  });

  test('alice dials bob past a dead candidate, sends envelopes both ways on one session, and each side knows the other by its certificate', { timeout: 20_000 }, async () => {
    const alice = await peer('Alice');
    const bob = await peer('bob');
    const candidates = dialOrder([`udp:127.0.0.1:${await deadPort()}`, ...bob.links.hostCandidates({ loopback: true })], { ipv6: alice.links.ipv6 });
    assert.ok(candidates.length >= 2, 'the dead candidate and at least one of bob\'s');
    assert.equal(alice.links.isLinked(bob.noise.publicKey), false);
    assert.equal(await alice.links.link(bob.noise.publicKey, candidates), true);
    assert.equal(await alice.links.send(bob.noise.publicKey, Buffer.from('to bob')), true);
    assert.deepEqual(bob.got.map((g) => [Buffer.from(g.blob).toString(), g.from.account]), [['to bob', 'alice']]);
    assert.equal(bob.links.isLinked(alice.noise.publicKey), true, 'the session serves both ways');
    assert.equal(await bob.links.send(alice.noise.publicKey, Buffer.from('to alice')), true);
    assert.deepEqual(alice.got.map((g) => [Buffer.from(g.blob).toString(), g.from.account]), [['to alice', 'bob']]);
    bob.answer = false;
    assert.equal(await alice.links.send(bob.noise.publicKey, Buffer.from('refused')), false, 'a refusal reads as not taken');
    assert.deepEqual([alice.links.stats.sent, bob.links.stats.received, bob.links.stats.refusedEnvelopes], [1, 1, 1]);
  });

  test('a sender over its rate is refused (it falls back to supernodes); the rest of the burst is taken', { timeout: 20_000 }, async () => {
    const alice = await peer('alice');
    // Bob's clock stands still, so his bucket does not refill however slowly the burst arrives.
    const frozen = Date.now();
    const bob = await peer('bob', { clock: () => frozen });
    assert.equal(await alice.links.link(bob.noise.publicKey, dialOrder(bob.links.hostCandidates({ loopback: true }), { ipv6: alice.links.ipv6 })), true);
    const results = await Promise.all(Array.from({ length: PEER_ENVELOPES_BURST + 20 }, (_, i) => alice.links.send(bob.noise.publicKey, Buffer.from(`m${i}`))));
    const taken = results.filter(Boolean).length;
    assert.ok(taken >= PEER_ENVELOPES_BURST && taken < PEER_ENVELOPES_BURST + 20, `${taken} taken`);
    assert.equal(bob.links.stats.refusedEnvelopes, results.length - taken);
  });

  test("a certificate from another CA, or one naming another key, gets no session; a link to nobody fails and is not retried at once", { timeout: 30_000 }, async () => {
    const bob = await peer('bob');
    const bobCandidates = (links: PeerLinks): { host: string; port: number }[] => dialOrder(bob.links.hostCandidates({ loopback: true }), { ipv6: links.ipv6 });
    const forger = await peer('mallory', { caKey: signingKeyFromSeed(random(32)) });
    assert.equal(await forger.links.link(bob.noise.publicKey, bobCandidates(forger.links)), false);
    const thief = await peer('eve', { certifiedKey: DH_25519.keyPairFrom(random(32)).publicKey });
    assert.equal(await thief.links.link(bob.noise.publicKey, bobCandidates(thief.links)), false);
    assert.ok(bob.links.stats.refusedSessions >= 2, `${bob.links.stats.refusedSessions} refused`);
    assert.equal(bob.got.length, 0);
    // A responder whose certificate does not hold: the initiator ends the session itself.
    const impostorKey = DH_25519.keyPairFrom(random(32));
    const impostor = await UdpDriver.open({ endpoint: new SessionEndpoint({ staticKey: impostorKey, random, application: Buffer.from('no certificate') }), host: '127.0.0.1', onEvent: () => undefined });
    const alice = await peer('alice');
    assert.equal(await alice.links.link(impostorKey.publicKey, dialOrder([`udp:127.0.0.1:${impostor.local.port}`], { ipv6: alice.links.ipv6 })), false);
    assert.ok(alice.links.stats.refusedSessions >= 1);
    await impostor.close();
    const nowhere = dialOrder([`udp:127.0.0.1:${await deadPort()}`], { ipv6: alice.links.ipv6 });
    assert.equal(await alice.links.link(bob.noise.publicKey, nowhere), false);
    const unreachable = alice.links.stats.unreachable;
    assert.equal(await alice.links.link(bob.noise.publicKey, nowhere), false);
    assert.equal(alice.links.stats.unreachable, unreachable, 'not dialed again within the retry time');
  });

  test("the links' socket learns its reflexive address from a STUN binding server", { timeout: 20_000 }, async () => {
    const alice = await peer('alice');
    const server = await UdpDriver.open({ endpoint: new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(random(32)), random }), host: '127.0.0.1', shared: new StunBindingServer(), onEvent: () => undefined });
    try {
      assert.deepEqual(await alice.links.reflexive({ host: '127.0.0.1', port: server.local.port }), { host: '127.0.0.1', port: alice.links.port });
    } finally {
      await server.close();
    }
  });
});
