/**
 * The transport benchmark (issue #3): 200-byte payloads sealed and opened per second through the
 * full session layer (SessionEndpoint to SessionEndpoint, in memory: header protection, AEAD,
 * replay window, events) against bare node:crypto AES-256-GCM in the same run; handshakes per
 * second; UDP round trips per second on 127.0.0.1.
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { DH_25519 } from '../src/crypto/noise/index.js';
import { UdpDriver } from '../src/transport/drivers/udp.js';
import { SessionEndpoint, type SessionEvent } from '../src/transport/endpoint.js';

/** Payload bytes per sealed packet. */
export const PAYLOAD_BYTES = 200;
/** Timed runs per measurement; the fastest counts (other processes only slow a run down). */
const RUNS = 3;

/** What `runTransportBench` resolves to. */
export interface TransportBenchReport {
  payloadBytes: number;
  /** Seal + open through the session layer, per second. */
  sealOpenPerSec: number;
  /** Bare AES-256-GCM encrypt + decrypt of the same payload, per second, same run. */
  bareAeadPerSec: number;
  /** sealOpenPerSec / bareAeadPerSec (target >= 0.6). */
  ratio: number;
  handshakesPerSec: number;
  udpRoundTripsPerSec: number;
  node: string;
}

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** Operations per second of `op`, the fastest of RUNS runs of `seconds / RUNS` each, after a warm-up. */
function rate(seconds: number, op: () => void): number {
  const budget = BigInt(Math.round((seconds / RUNS) * 1e9));
  for (let i = 0; i < 200; i++) op();
  let best = 0;
  for (let r = 0; r < RUNS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    do {
      for (let i = 0; i < 64; i++) op();
      n += 64;
      elapsed = process.hrtime.bigint() - start;
    } while (elapsed < budget);
    best = Math.max(best, n / (Number(elapsed) / 1e9));
  }
  return best;
}

/** Two endpoints with an established session, exchanging in memory. */
function pair() {
  const a = new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(random(32)), random });
  const bKey = DH_25519.keyPairFrom(random(32));
  const b = new SessionEndpoint({ staticKey: bKey, random });
  const deliver = (): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [from, to, name] of [[a, b, 'a'], [b, a, 'b']] as const) {
        for (let o = from.poll(); o; o = from.poll()) {
          moved = true;
          if (o.type === 'datagram') to.handle(o.bytes, name, 0);
        }
      }
    }
  };
  return { a, b, bKey, deliver };
}

function sealOpenRate(seconds: number): number {
  const { a, b, bKey, deliver } = pair();
  const id = a.connect(bKey.publicKey, 'b', 0);
  deliver();
  const payload = random(PAYLOAD_BYTES);
  return rate(seconds, () => {
    a.send(id, payload, 0);
    const out = a.poll();
    if (out?.type !== 'datagram') throw new Error('no datagram');
    b.handle(out.bytes, 'a', 0);
    const got = b.poll();
    if (got?.type !== 'event' || got.event.type !== 'message') throw new Error('no message');
  });
}

function bareAeadRate(seconds: number): number {
  const key = random(32);
  const payload = random(PAYLOAD_BYTES);
  const nonce = Buffer.alloc(12);
  let counter = 0;
  return rate(seconds, () => {
    nonce.writeUInt32BE(counter++ >>> 0, 8);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    const sealed = Buffer.concat([c.update(payload), c.final()]);
    const tag = c.getAuthTag();
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAuthTag(tag);
    Buffer.concat([d.update(sealed), d.final()]);
  });
}

function handshakeRate(seconds: number): number {
  const { a, b, bKey } = pair();
  return rate(seconds, () => {
    const id = a.connect(bKey.publicKey, 'b', 0);
    const initiation = a.poll();
    if (initiation?.type !== 'datagram') throw new Error('no initiation');
    b.handle(initiation.bytes, 'a', 0);
    let responderSession = -1;
    for (let o = b.poll(); o; o = b.poll()) {
      if (o.type === 'datagram') a.handle(o.bytes, 'b', 0);
      else if (o.event.type === 'established') responderSession = o.event.session;
    }
    // Closing both ends makes the next connect a full handshake again.
    a.close(id);
    b.close(responderSession);
    while (a.poll()) continue;
    while (b.poll()) continue;
  });
}

async function udpRoundTripRate(seconds: number): Promise<number> {
  const serverKey = DH_25519.keyPairFrom(random(32));
  const serverEndpoint = new SessionEndpoint({ staticKey: serverKey, random });
  let server: UdpDriver | null = null;
  server = await UdpDriver.open({
    endpoint: serverEndpoint,
    host: '127.0.0.1',
    onEvent: (e) => {
      if (e.type === 'message') server?.send(e.session, e.payload);
    },
  });
  let resolveEcho: (() => void) | null = null;
  const client = await UdpDriver.open({
    endpoint: new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(random(32)), random }),
    host: '127.0.0.1',
    onEvent: (e: SessionEvent) => {
      if (e.type === 'message') resolveEcho?.();
    },
  });
  try {
    const id = client.connect(serverKey.publicKey, '127.0.0.1', server.local.port);
    const payload = random(PAYLOAD_BYTES);
    const roundTrip = (): Promise<void> =>
      new Promise((resolve) => {
        resolveEcho = resolve;
        client.send(id, payload);
      });
    for (let i = 0; i < 100; i++) await roundTrip();
    let best = 0;
    for (let r = 0; r < RUNS; r++) {
      let n = 0;
      const start = process.hrtime.bigint();
      const budget = BigInt(Math.round((seconds / RUNS) * 1e9));
      while (process.hrtime.bigint() - start < budget) {
        await roundTrip();
        n++;
      }
      best = Math.max(best, n / (Number(process.hrtime.bigint() - start) / 1e9));
    }
    return best;
  } finally {
    await client.close();
    await server.close();
  }
}

/** Runs every measurement; `seconds` is the budget of each (default 1). */
export async function runTransportBench(opts: { seconds?: number; onProgress?: (line: string) => void } = {}): Promise<TransportBenchReport> {
  const seconds = opts.seconds ?? 1;
  const progress = opts.onProgress ?? (() => {});
  progress('seal+open through the session layer');
  const sealOpenPerSec = sealOpenRate(seconds);
  progress('bare AES-256-GCM');
  const bareAeadPerSec = bareAeadRate(seconds);
  progress('handshakes');
  const handshakesPerSec = handshakeRate(seconds);
  progress('UDP round trips on 127.0.0.1');
  const udpRoundTripsPerSec = await udpRoundTripRate(seconds);
  return { payloadBytes: PAYLOAD_BYTES, sealOpenPerSec, bareAeadPerSec, ratio: sealOpenPerSec / bareAeadPerSec, handshakesPerSec, udpRoundTripsPerSec, node: process.version };
}
