/**
 * NAT-PMP (RFC 6886), sans-I/O: the requests a host sends its gateway (UDP port 5351) to learn the
 * gateway's external address and to map a UDP port, and total decoders of the answers. A mapped
 * port lets anyone reach the host's socket through its NAT, whatever the NAT's own mapping and
 * filtering (a symmetric NAT included): a candidate the connectivity checks can use.
 */

/** The gateway's NAT-PMP port (RFC 6886 section 3.1). */
export const NATPMP_PORT = 5351;
/** First retransmission after this long, doubling each time (RFC 6886 section 3.1: 250 ms). */
export const NATPMP_RETRY_MS = 250;
/** Requests sent at most (the RFC allows 9, about 64 s; a device should not wait that long to start). */
export const NATPMP_TRIES = 4;
/** Lifetime asked for a mapping (RFC 6886 recommends 7200 s); it is renewed at half. */
export const NATPMP_LIFETIME_S = 7200;

const VERSION = 0;
const OP_EXTERNAL_ADDRESS = 0;
const OP_MAP_UDP = 1;
const RESPONSE = 128;

/** RFC 6886 section 3.5 result codes. */
export const NATPMP_RESULTS = ['SUCCESS', 'UNSUPPORTED_VERSION', 'NOT_AUTHORIZED', 'NETWORK_FAILURE', 'OUT_OF_RESOURCES', 'UNSUPPORTED_OPCODE'] as const;

/** A decoded answer, or why the bytes are not one. */
export type NatPmpAnswer =
  | { readonly ok: true; readonly op: 'external-address'; readonly epoch: number; readonly address: string }
  | { readonly ok: true; readonly op: 'map-udp'; readonly epoch: number; readonly internalPort: number; readonly externalPort: number; readonly lifetimeS: number }
  | { readonly ok: false; readonly code: 'NATPMP_MALFORMED' | 'NATPMP_REFUSED'; readonly reason: string };

/** The external-address request (2 bytes). */
export function externalAddressRequest(): Uint8Array {
  return Uint8Array.of(VERSION, OP_EXTERNAL_ADDRESS);
}

/** A UDP mapping request for `internalPort` (lifetime 0 deletes the mapping). */
export function mapUdpRequest(internalPort: number, suggestedExternalPort: number, lifetimeS: number): Uint8Array {
  if (!Number.isInteger(internalPort) || internalPort < 1 || internalPort > 0xffff) throw new RangeError('the internal port is 1 to 65535');
  const b = Buffer.alloc(12);
  b.writeUInt8(VERSION, 0);
  b.writeUInt8(OP_MAP_UDP, 1);
  b.writeUInt16BE(internalPort, 4);
  b.writeUInt16BE(suggestedExternalPort & 0xffff, 6);
  b.writeUInt32BE(lifetimeS >>> 0, 8);
  return new Uint8Array(b);
}

/** Decodes a gateway's answer; any byte string gives an answer or a coded error. */
export function decodeNatPmp(bytes: Uint8Array): NatPmpAnswer {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8) return { ok: false, code: 'NATPMP_MALFORMED', reason: `${b.length} bytes, an answer has at least 8` };
  if (b.readUInt8(0) !== VERSION) return { ok: false, code: 'NATPMP_MALFORMED', reason: `version ${b.readUInt8(0)}, not 0` };
  const op = b.readUInt8(1);
  const result = b.readUInt16BE(2);
  if (op !== RESPONSE + OP_EXTERNAL_ADDRESS && op !== RESPONSE + OP_MAP_UDP) return { ok: false, code: 'NATPMP_MALFORMED', reason: `opcode ${op} is not an answer this client asks for` };
  if (result !== 0) return { ok: false, code: 'NATPMP_REFUSED', reason: `the gateway answered ${NATPMP_RESULTS[result] ?? `result ${result}`}` };
  const epoch = b.readUInt32BE(4);
  if (op === RESPONSE + OP_EXTERNAL_ADDRESS) {
    if (b.length !== 12) return { ok: false, code: 'NATPMP_MALFORMED', reason: `an external-address answer is 12 bytes, not ${b.length}` };
    return { ok: true, op: 'external-address', epoch, address: `${b[8]}.${b[9]}.${b[10]}.${b[11]}` };
  }
  if (b.length !== 16) return { ok: false, code: 'NATPMP_MALFORMED', reason: `a mapping answer is 16 bytes, not ${b.length}` };
  return { ok: true, op: 'map-udp', epoch, internalPort: b.readUInt16BE(8), externalPort: b.readUInt16BE(10), lifetimeS: b.readUInt32BE(12) };
}

/**
 * The default IPv4 gateway from Linux's /proc/net/route text (the line whose destination is
 * 00000000 with the gateway flag), or null.
 */
export function defaultGateway(procNetRoute: string): string | null {
  for (const line of procNetRoute.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[1] !== '00000000') continue;
    const flags = Number.parseInt(f[3] as string, 16);
    const gw = f[2] as string;
    if (!(flags & 0x2) || !/^[0-9A-Fa-f]{8}$/.test(gw)) continue;
    // Little-endian hex of the address.
    const n = Number.parseInt(gw, 16);
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
  }
  return null;
}
