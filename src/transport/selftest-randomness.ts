/**
 * `parley selftest randomness`: runs real sessions over UDP on 127.0.0.1, captures every packet
 * they send, and applies Bonfiglio's test (chi-square.ts) per packet kind: over the first 16
 * bytes of each kind, and over every byte of the handshake kinds. Passes if no statistic reaches
 * the chi-square(15) critical value for p = 0.0001; also reports the same test on a deliberately
 * structured control (transport packets with their header in the clear), which must fail.
 *
 * Note on the criterion: each nibble position is one test at p = 0.0001, so over K positions
 * about K x 0.0001 chance exceedances are expected from perfectly random bytes (the report gives
 * K); with the default packet sizes a few per cent of seeds fail by chance.
 */

import { DH_25519 } from '../crypto/noise/index.js';
import { Prng } from '../util/prng.js';
import { UdpDriver } from './drivers/udp.js';
import { type DatagramKind, SessionEndpoint } from './endpoint.js';
import { CHI_SQUARE_15_P0001, nibbleChiSquare } from './chi-square.js';
import { TRANSPORT_HEADER_BYTES } from './packet.js';

/** Packets captured per kind, at least. */
export const RANDOMNESS_PACKETS_MIN = 1000;
/** Bytes at the start of every kind that are tested (Bonfiglio et al.). */
export const HEADER_TEST_BYTES = 16;

/** The result for one kind of packet. */
export interface KindReport {
  packets: number;
  /** Largest statistic over the first 16 bytes. */
  firstBytesMax: number;
  /** Largest statistic over every byte (handshake kinds only; 0 for transport). */
  allBytesMax: number;
  /** Nibble positions tested. */
  positions: number;
}

/** What the selftest reports. */
export interface RandomnessReport {
  seed: number;
  critical: number;
  kinds: Record<'initiation' | 'response' | 'cookie' | 'transport', KindReport>;
  largest: number;
  positions: number;
  /** Chance exceedances expected from random bytes over `positions` tests. */
  expectedFalseAlarms: number;
  pass: boolean;
  control: { description: string; largest: number; fails: boolean };
}

function kindReport(packets: Uint8Array[], allBytes: boolean): KindReport {
  const first = nibbleChiSquare(packets, HEADER_TEST_BYTES);
  const longest = Math.max(0, ...packets.map((p) => p.length));
  const all = allBytes ? nibbleChiSquare(packets, longest) : [];
  return { packets: packets.length, firstBytesMax: Math.max(0, ...first), allBytesMax: Math.max(0, ...all), positions: allBytes ? all.length : first.length };
}

/** Runs the selftest with `seed` for every key, ephemeral and nonce (so a result can be replayed). */
export async function runRandomnessSelftest(seed: number, packetsPerKind = RANDOMNESS_PACKETS_MIN): Promise<RandomnessReport> {
  const rng = new Prng(seed);
  const random = (n: number): Uint8Array => rng.bytes(n);
  const serverKey = DH_25519.keyPairFrom(random(32));
  const clientKey = DH_25519.keyPairFrom(random(32));
  const captured: { bytes: Uint8Array; kind: DatagramKind }[] = [];
  let server: UdpDriver | null = null;
  // The responder counts every initiation as load: each handshake is initiation, cookie,
  // initiation with mac2, response, which yields all four kinds.
  server = await UdpDriver.open({
    endpoint: new SessionEndpoint({ staticKey: serverKey, random, limits: { handshakesPerSecondUnderLoad: 0 } }),
    host: '127.0.0.1',
    onEvent: () => {},
    onSend: (bytes, _to, kind) => captured.push({ bytes, kind }),
  });
  let onEstablished: (() => void) | null = null;
  const clientEndpoint = new SessionEndpoint({ staticKey: clientKey, random });
  const client = await UdpDriver.open({
    endpoint: clientEndpoint,
    host: '127.0.0.1',
    onEvent: (e) => {
      if (e.type === 'established') onEstablished?.();
    },
    onSend: (bytes, _to, kind) => captured.push({ bytes, kind }),
  });
  try {
    for (let i = 0; i < packetsPerKind; i++) {
      const established = new Promise<void>((resolve) => (onEstablished = resolve));
      const id = client.connect(serverKey.publicKey, '127.0.0.1', server.local.port);
      await established;
      // Transport packets of varied sizes both ways.
      const payload = random(1 + rng.int(0, 300));
      client.send(id, payload);
      clientEndpoint.close(id);
    }
  } finally {
    await client.close();
    await server.close();
  }
  const kinds: Record<DatagramKind, Uint8Array[]> = { initiation: [], response: [], cookie: [], transport: [] };
  for (const c of captured) kinds[c.kind].push(c.bytes);
  const report = {
    initiation: kindReport(kinds.initiation, true),
    response: kindReport(kinds.response, true),
    cookie: kindReport(kinds.cookie, true),
    transport: kindReport(kinds.transport, false),
  };
  const largest = Math.max(...Object.values(report).map((k) => Math.max(k.firstBytesMax, k.allBytesMax)));
  const positions = Object.values(report).reduce((n, k) => n + k.positions, 0);
  // The control: the same transport packets with a plain header (receiver index, counter).
  const control = kinds.transport.map((p, i) => {
    const c = Uint8Array.from(p);
    const view = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    view.writeUInt32BE(0x0000_0001, 0);
    view.writeBigUInt64BE(BigInt(i), 4);
    return c.subarray(0, Math.max(TRANSPORT_HEADER_BYTES, c.length));
  });
  const controlLargest = Math.max(0, ...nibbleChiSquare(control, HEADER_TEST_BYTES));
  return {
    seed,
    critical: CHI_SQUARE_15_P0001,
    kinds: report,
    largest,
    positions,
    expectedFalseAlarms: positions * 0.0001,
    pass: largest < CHI_SQUARE_15_P0001 && Object.values(report).every((k) => k.packets >= packetsPerKind),
    control: { description: 'transport packets with a plain header (receiver index 1, counter)', largest: controlLargest, fails: controlLargest >= CHI_SQUARE_15_P0001 },
  };
}
