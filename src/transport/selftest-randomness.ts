/**
 * `parley selftest randomness`: runs real sessions over UDP on 127.0.0.1, captures every packet
 * they send, and applies Bonfiglio's test (chi-square.ts) per packet kind: over the first 16
 * bytes of each kind, and over every byte of the handshake kinds. Also reports the same test on
 * a deliberately structured control (transport packets with their header in the clear), which
 * must fail.
 *
 * The criterion is family-wise: each of the K nibble positions is one test, and a position fails
 * at the chi-square(15) value exceeded with probability SELFTEST_FALSE_ALARM_P / K (Bonferroni),
 * so perfectly random bytes fail the whole selftest with probability at most
 * SELFTEST_FALSE_ALARM_P. (One test per position at p = 0.0001 would fail about K x 0.0001 of
 * the time: several per cent of runs for the ~600 positions here.)
 */

import { DH_25519 } from '../crypto/noise/index.js';
import { Prng } from '../util/prng.js';
import { UdpDriver } from './drivers/udp.js';
import { type DatagramKind, SessionEndpoint } from './endpoint.js';
import { chiSquareCritical, nibbleChiSquare } from './chi-square.js';
import { TRANSPORT_HEADER_BYTES } from './packet.js';

/** Packets captured per kind, at least. */
export const RANDOMNESS_PACKETS_MIN = 1000;
/** The chance that perfectly random bytes fail the selftest (family-wise, over every position). */
export const SELFTEST_FALSE_ALARM_P = 0.0001;
/** Degrees of freedom of a nibble position's statistic (16 values). */
const NIBBLE_DF = 15;
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
  /** The chi-square(15) value a position must stay below (p = falseAlarmP / positions). */
  critical: number;
  kinds: Record<'initiation' | 'response' | 'cookie' | 'transport', KindReport>;
  largest: number;
  positions: number;
  /** The chance that random bytes fail the whole selftest. */
  falseAlarmP: number;
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
  const critical = chiSquareCritical(SELFTEST_FALSE_ALARM_P / positions, NIBBLE_DF);
  return {
    seed,
    critical,
    kinds: report,
    largest,
    positions,
    falseAlarmP: SELFTEST_FALSE_ALARM_P,
    pass: largest < critical && Object.values(report).every((k) => k.packets >= packetsPerKind),
    control: { description: 'transport packets with a plain header (receiver index 1, counter)', largest: controlLargest, fails: controlLargest >= critical },
  };
}
