/**
 * The chat benchmark (issue #6): two devices (DeviceRuntime, in this process) on three real
 * `parley supernode` processes on 127.0.0.1. It measures how long a presence change takes to reach
 * a contact's device (target: within 2 s), how long a message takes from `sendText` to the
 * recipient's event (and to the sender's "delivered"), and how many messages a second one device
 * sends to another with all of them arriving.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { directConversation } from '../src/chat/content.js';
import { formatMessageId } from '../src/chat/message-id.js';
import { DeviceRuntime, type DeviceEvent } from '../src/client/device-runtime.js';
import { ClientStore } from '../src/client/store.js';
import { signingKeyFromSeed } from '../src/crypto/ed25519.js';
import { DH_25519 } from '../src/crypto/noise/index.js';
import { issueCertificate } from '../src/login/certificate.js';
import { HostCache } from '../src/overlay/host-cache.js';
import { Prng } from '../src/util/prng.js';
import { startSupernodeProcesses } from './supernode-processes.js';

/** What `runChatBench` resolves to. */
export interface ChatBenchReport {
  node: string;
  supernodes: number;
  /** Presence change published -> seen by the contact's device, ms. */
  presence: { changes: number; p50Ms: number; maxMs: number; targetMs: number };
  /** sendText -> the recipient's message event, and -> the sender's delivered state, ms. */
  message: { messages: number; p50Ms: number; p99Ms: number; deliveredP50Ms: number };
  /** Messages sent back to back, all arrived: per second. */
  burst: { messages: number; seconds: number; perSecond: number };
}

const SUPERNODES = 3;
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const until = async (check: () => boolean, ms: number): Promise<boolean> => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return check();
};

/** Runs the chat benchmark (about half a minute). */
export async function runChatBench(options: { presenceChanges?: number; messages?: number; burst?: number; onProgress?: (line: string) => void } = {}): Promise<ChatBenchReport> {
  const progress = options.onProgress ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-chat-'));
  let stopSupernodes: () => Promise<void> = () => Promise.resolve();
  const devices: DeviceRuntime[] = [];
  const stores: ClientStore[] = [];
  try {
    progress(`starting ${SUPERNODES} supernode processes`);
    const { network, ca, supernodes, stop } = await startSupernodeProcesses(root, 'chatbench', SUPERNODES);
    stopSupernodes = stop;
    const caPublicKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
    const cache = new HostCache();
    for (const s of supernodes) cache.add(s.id, [s.endpoint], Date.now());
    const rng = new Prng(5);
    const device = async (username: string, onEvent: (e: DeviceEvent) => void): Promise<{ d: DeviceRuntime; store: ClientStore }> => {
      const signingKey = signingKeyFromSeed(rng.bytes(32));
      const noiseKey = DH_25519.keyPairFrom(rng.bytes(32));
      const deviceId = rng.bytes(16);
      const now = Date.now();
      const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username, deviceId, noiseKey: noiseKey.publicKey, signingKey: signingKey.publicKey, notBefore: now - 1000, notAfter: now + 86_400_000, serial: 1, endpoints: [] });
      const store = ClientStore.open(':memory:');
      stores.push(store);
      const c = new HostCache();
      for (const h of cache.ranked(Date.now())) c.add(h.id, h.endpoints, Date.now());
      const d = await DeviceRuntime.start({ network, identity: { network: network.name, caPublicKey, username, accountKey: username, deviceId, certificate, signingKey, noiseKey }, store, cache: c, onEvent });
      devices.push(d);
      return { d, store };
    };
    const aliceEvents: DeviceEvent[] = [];
    const bobEvents: DeviceEvent[] = [];
    const alice = await device('alice', (e) => aliceEvents.push(e));
    const bob = await device('bob', (e) => bobEvents.push(e));
    await until(() => alice.d.publisher.last !== null && bob.d.publisher.last !== null, 15_000);
    progress('contacts');
    await alice.d.engine.requestContact('bob', 'bench');
    await until(() => bob.store.contact('alice')?.state === 'pending', 15_000);
    await bob.d.engine.answerContact('alice', 'accept');
    await until(() => alice.store.contact('bob')?.state === 'accepted', 15_000);
    // Alice watches bob from her accepted contact on; her watch is in place once she hears a change
    // (bob publishes again until she has, so that the measured changes do not wait for it).
    for (let i = 0; !aliceEvents.some((e) => e.type === 'presence' && e.mood === 'warm-up'); i++) {
      if (i >= 100) throw new Error("alice never heard bob's presence");
      await bob.d.setPresence('online', 'warm-up');
      await until(() => aliceEvents.some((e) => e.type === 'presence' && e.mood === 'warm-up'), 100);
    }

    const changes = options.presenceChanges ?? 10;
    progress(`${changes} presence changes`);
    const presenceMs: number[] = [];
    for (let i = 0; i < changes; i++) {
      const mood = `mood ${i}`;
      const t = performance.now();
      await bob.d.setPresence(i % 2 === 0 ? 'away' : 'online', mood);
      if (await until(() => aliceEvents.some((e) => e.type === 'presence' && e.mood === mood), 10_000)) presenceMs.push(performance.now() - t);
    }

    const count = options.messages ?? 100;
    progress(`${count} messages, one at a time`);
    const messageMs: number[] = [];
    const deliveredMs: number[] = [];
    const dm = directConversation('alice', 'bob');
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      const m = await alice.d.engine.sendText('bob', `m${i}`);
      const id = formatMessageId(m.id);
      if (await until(() => bobEvents.some((e) => e.type === 'message' && formatMessageId(e.message.id) === id), 10_000)) messageMs.push(performance.now() - t);
      if (await until(() => alice.store.message(m.id)?.state === 'delivered', 10_000)) deliveredMs.push(performance.now() - t);
    }

    const burst = options.burst ?? 200;
    progress(`${burst} messages back to back`);
    const before = bob.store.history(dm, 1000).length;
    const t0 = performance.now();
    for (let i = 0; i < burst; i++) await alice.d.engine.sendText('bob', `burst ${i}`);
    await until(() => bob.store.history(dm, 1000).length >= before + burst, 60_000);
    const seconds = (performance.now() - t0) / 1000;
    const arrived = bob.store.history(dm, 1000).length - before;

    presenceMs.sort((a, b) => a - b);
    messageMs.sort((a, b) => a - b);
    deliveredMs.sort((a, b) => a - b);
    const r = (x: number): number => Math.round(x * 10) / 10;
    return {
      node: process.version,
      supernodes: SUPERNODES,
      presence: { changes: presenceMs.length, p50Ms: r(quantile(presenceMs, 0.5)), maxMs: r(presenceMs.at(-1) ?? 0), targetMs: 2000 },
      message: { messages: messageMs.length, p50Ms: r(quantile(messageMs, 0.5)), p99Ms: r(quantile(messageMs, 0.99)), deliveredP50Ms: r(quantile(deliveredMs, 0.5)) },
      burst: { messages: arrived, seconds: r(seconds), perSecond: Math.round(arrived / seconds) },
    };
  } finally {
    for (const d of devices) await d.stop();
    for (const s of stores) s.close();
    await stopSupernodes();
    rmSync(root, { recursive: true, force: true });
  }
}
