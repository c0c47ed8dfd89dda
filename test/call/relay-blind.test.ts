/**
 * The relay is blind (issue #8): two devices with no UDP socket of their own (relays only) call
 * each other through a supernode's relay; then every supernode process's memory is read
 * (/proc/PID/mem) and searched for the keys that seal the call's packets (the devices' own
 * session keys, from their Noise handshake). None holds them, while the same search finds the
 * supernode's own static private key in its memory, and the call's keys in the memory of the
 * process that runs the two devices (the search works); the relay forwarded the call (its
 * allocation, and the audio that arrived).
 */

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { DeviceRuntime, type DeviceEvent } from '../../src/client/device-runtime.js';
import { ClientStore } from '../../src/client/store.js';
import { signingKeyFromSeed } from '../../src/crypto/ed25519.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { issueCertificate } from '../../src/login/certificate.js';
import { CA_KEY_FILE, readSecretKey } from '../../src/login/key-files.js';
import { readNetworkFile } from '../../src/login/network-file.js';
import { checkUsername } from '../../src/login/username.js';
import { HostCache } from '../../src/overlay/host-cache.js';
import { SUPERNODE_KEY_FILE } from '../../src/supernode/identity.js';
import { Prng } from '../../src/util/prng.js';
import { eventually, makeSupernodes, startAll, stop, type Node } from '../supernode/processes.js';
import { makeSpeech, speechUnavailable } from './speech.js';

const root = mkdtempSync(join(tmpdir(), 'parley-blind-'));
const nodes: Node[] = [];
const devices: { device: DeviceRuntime; store: ClientStore }[] = [];
after(async () => {
  for (const d of devices) {
    await d.device.stop();
    d.store.close();
  }
  for (const n of nodes) await stop(n, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
const rng = new Prng(808);

/** Which of `needles` occur anywhere in the readable memory of process `pid`. */
function foundInMemory(pid: number, needles: readonly Uint8Array[]): boolean[] {
  const found = needles.map(() => false);
  const chunk = 8 << 20;
  const overlap = Math.max(...needles.map((n) => n.length)) - 1;
  const buf = Buffer.alloc(chunk + overlap);
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line);
      if (!m || line.includes('[vvar]') || line.includes('[vsyscall]')) continue;
      const [from, to] = [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16)];
      for (let at = from; at < to; at += chunk) {
        let n = 0;
        try {
          n = readSync(fd, buf, 0, Math.min(chunk + overlap, to - at), at);
        } catch {
          continue; // A region that cannot be read (a guard page).
        }
        const view = buf.subarray(0, n);
        needles.forEach((needle, i) => {
          if (!found[i] && view.indexOf(needle) >= 0) found[i] = true;
        });
      }
    }
  } finally {
    closeSync(fd);
  }
  return found;
}

interface SessionInternals {
  readonly remoteStatic: Uint8Array;
  readonly current: { readonly send: { snapshot(): { k: Uint8Array | null } }; readonly receive: { snapshot(): { k: Uint8Array | null } } } | null;
}

/** The keys of a device's session with another device (from inside its links: what a relay would need). */
function sessionKeys(d: DeviceRuntime, other: Uint8Array): Uint8Array[] {
  const endpoint = (d.links as unknown as { endpoint: { sessions: Map<number, SessionInternals> } }).endpoint;
  const s = [...endpoint.sessions.values()].find((x) => Buffer.from(x.remoteStatic).equals(other));
  assert.ok(s?.current, 'the devices have a session');
  return [s.current.send.snapshot().k, s.current.receive.snapshot().k].filter((k): k is Uint8Array => k !== null);
}

test('the relaying supernode cannot decrypt a call: no supernode process holds the keys that seal its media packets', { skip: speechUnavailable ?? (process.platform !== 'linux' ? 'reads /proc/PID/mem (Linux)' : false), timeout: 180_000 }, async () => {
  const made = await makeSupernodes(root, 'blind', 3);
  nodes.push(...made.nodes);
  await startAll(made.net, nodes);
  const network = readNetworkFile(JSON.parse(readFileSync(join(made.net, 'network.json'), 'utf8')));
  const ca = signingKeyFromSeed(readSecretKey(join(made.net, CA_KEY_FILE), 'parley-ca-key'));
  const caPublicKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));

  const events = new Map<string, DeviceEvent[]>();
  const noiseKeys = new Map<DeviceRuntime, Uint8Array>();
  const device = async (username: string): Promise<DeviceRuntime> => {
    const noiseKey = DH_25519.keyPairFrom(rng.bytes(32));
    const signingKey = signingKeyFromSeed(rng.bytes(32));
    const deviceId = rng.bytes(16);
    const now = Date.now();
    const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username, deviceId, noiseKey: noiseKey.publicKey, signingKey: signingKey.publicKey, notBefore: now - 1000, notAfter: now + 86_400_000, serial: 1, endpoints: [] });
    const cache = new HostCache();
    for (const n of nodes) cache.add(n.id, [`udp:127.0.0.1:${n.port}`], now);
    const store = ClientStore.open(':memory:');
    const seen: DeviceEvent[] = [];
    events.set(username, seen);
    const identity = { network: network.name, caPublicKey, username, accountKey: (checkUsername(username) as { key: string }).key, deviceId, certificate, signingKey, noiseKey };
    const d = await DeviceRuntime.start({ network, identity, store, cache, peerPort: null, portMapping: false, onEvent: (e) => seen.push(e) });
    devices.push({ device: d, store });
    noiseKeys.set(d, noiseKey.publicKey);
    await eventually(() => Promise.resolve(d.attached().length === 2), 15_000, `${username} attached`);
    return d;
  };
  const alice = await device('alice');
  const bob = await device('bob');
  await eventually(async () => alice.engine.requestContact('bob', 'hi').then(() => true, () => false), 20_000, 'bob is in the directory');
  await eventually(() => Promise.resolve((events.get('bob') ?? []).some((e) => e.type === 'contact' && e.contact.state === 'pending')), 20_000, 'bob has the request');
  await bob.engine.answerContact('alice', 'accept');
  await eventually(() => Promise.resolve((events.get('alice') ?? []).some((e) => e.type === 'contact' && e.contact.state === 'accepted')), 20_000, 'alice sees the acceptance');

  const speech = makeSpeech(root);
  const placed = await alice.calls.dial('bob', { audioIn: speech });
  await eventually(() => Promise.resolve(bob.calls.live().some((c) => c.id === placed.id && c.state === 'incoming')), 20_000, 'bob rings');
  bob.calls.answer(placed.id, {});
  await eventually(() => Promise.resolve((bob.calls.get(placed.id).quality?.packetsReceived ?? 0) >= 100), 20_000, 'bob hears alice');
  const call = bob.calls.get(placed.id);
  assert.equal(call.path, 'relay-udp', 'the call runs through a relay (neither device has a socket of its own)');

  const keys = sessionKeys(alice, noiseKeys.get(bob) as Uint8Array);
  assert.equal(keys.length, 2);
  assert.deepEqual(sessionKeys(bob, noiseKeys.get(alice) as Uint8Array).map((k) => Buffer.from(k).toString('hex')).sort(), keys.map((k) => Buffer.from(k).toString('hex')).sort(), 'both ends hold the same two keys');
  // Every supernode (the relaying one among them) is searched while the call runs.
  const relaying: string[] = [];
  for (const n of nodes) {
    const h = (await (await fetch(`http://${n.admin}/health`)).json()) as { relays: number };
    if (h.relays > 0) relaying.push(n.id);
    const own = DH_25519.keyPairFrom(readSecretKey(join(n.dir, SUPERNODE_KEY_FILE), 'parley-noise-static')).privateKey;
    const [ownFound, ...mediaKeys] = foundInMemory(n.child?.pid as number, [own, ...keys]);
    assert.equal(ownFound, true, `the search finds supernode ${n.id.slice(0, 8)}'s own static key in its memory`);
    assert.deepEqual(mediaKeys, [false, false], `supernode ${n.id.slice(0, 8)} holds no key of the call's session`);
  }
  assert.ok(relaying.length >= 1, 'a supernode relays the call');
  // And the same search finds the call's keys where they are: in this process, which runs both devices.
  assert.deepEqual(foundInMemory(process.pid, keys), [true, true], 'the devices hold the keys');
  console.log(`relay blind: ${nodes.length} supernode processes searched (${relaying.length} relaying, ${call.quality?.packetsReceived} media packets forwarded to bob so far): their own static keys found, the call's two session keys in none`);
  alice.calls.hangup(placed.id);
});
