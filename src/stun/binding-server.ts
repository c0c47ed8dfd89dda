/**
 * A STUN binding server (RFC 8489 section 6.3), sans-I/O: a datagram and its source in, the
 * reply (or nothing) out. A Binding request gets a success response with XOR-MAPPED-ADDRESS,
 * SOFTWARE and FINGERPRINT; a request carrying attributes that must be understood but are not
 * gets 420 with UNKNOWN-ATTRIBUTES (section 6.3.1); another method gets 400; indications,
 * responses and malformed messages get nothing. No credentials: binding is open, as on public
 * STUN servers.
 */

import { encodeErrorCode, encodeSoftware, encodeUnknownAttributes, encodeXorMappedAddress, type StunAddress } from './attributes.js';
import { decodeStunMessage, encodeStunMessage, looksLikeStun, STUN_METHOD_BINDING, StunAttribute, type StunAttributeValue, type StunDecodeErrorCode } from './message.js';

/** Attribute types below 0x8000 this server understands (others in a request get 420). */
const UNDERSTOOD = new Set<number>([
  StunAttribute.MAPPED_ADDRESS,
  StunAttribute.USERNAME,
  StunAttribute.MESSAGE_INTEGRITY,
  StunAttribute.ERROR_CODE,
  StunAttribute.UNKNOWN_ATTRIBUTES,
  StunAttribute.REALM,
  StunAttribute.NONCE,
  StunAttribute.XOR_MAPPED_ADDRESS,
  StunAttribute.PRIORITY,
  StunAttribute.USE_CANDIDATE,
  0x001c, // MESSAGE-INTEGRITY-SHA256
  0x001d, // PASSWORD-ALGORITHM
  0x001e, // USERHASH
]);
/** Most unknown types listed in one 420 response. */
const UNKNOWN_LISTED_MAX = 16;

/** What the server counted. */
export interface StunServerStats {
  /** Binding requests answered with a success response. */
  answered: number;
  /** Requests answered with an error response (400, 420). */
  refused: number;
  /** STUN-shaped datagrams dropped, by reason. */
  dropped: Partial<Record<StunDecodeErrorCode | 'STUN_NOT_REQUEST', number>>;
}

/** Answers STUN binding requests. */
export class StunBindingServer {
  readonly stats: StunServerStats = { answered: 0, refused: 0, dropped: {} };
  private readonly software: Uint8Array;

  constructor(options: { software?: string } = {}) {
    this.software = encodeSoftware(options.software ?? 'parley');
  }

  /** Whether a datagram on a shared socket is STUN's (the shape test of looksLikeStun). */
  accepts(datagram: Uint8Array): boolean {
    return looksLikeStun(datagram);
  }

  /** The reply to `datagram` from `from`, or null to send nothing. */
  answer(datagram: Uint8Array, from: StunAddress): Uint8Array | null {
    const decoded = decodeStunMessage(datagram);
    if (!decoded.ok) return this.drop(decoded.code);
    const m = decoded.value;
    if (m.class !== 'request') return this.drop('STUN_NOT_REQUEST');
    const error = (code: number, reason: string, extra: StunAttributeValue[] = []): Uint8Array => {
      this.stats.refused++;
      const attributes = [{ type: StunAttribute.ERROR_CODE, value: encodeErrorCode(code, reason) }, ...extra, { type: StunAttribute.SOFTWARE, value: this.software }];
      return encodeStunMessage({ method: m.method, class: 'error', transactionId: m.transactionId, attributes }, { fingerprint: true });
    };
    if (m.method !== STUN_METHOD_BINDING) return error(400, 'Bad Request: only Binding is served here');
    const unknown = [...new Set(m.attributes.map((a) => a.type).filter((t) => t < 0x8000 && !UNDERSTOOD.has(t)))].slice(0, UNKNOWN_LISTED_MAX);
    if (unknown.length > 0) return error(420, 'Unknown Attribute', [{ type: StunAttribute.UNKNOWN_ATTRIBUTES, value: encodeUnknownAttributes(unknown) }]);
    this.stats.answered++;
    const attributes = [
      { type: StunAttribute.XOR_MAPPED_ADDRESS, value: encodeXorMappedAddress(from, m.transactionId) },
      { type: StunAttribute.SOFTWARE, value: this.software },
    ];
    return encodeStunMessage({ method: STUN_METHOD_BINDING, class: 'success', transactionId: m.transactionId, attributes }, { fingerprint: true });
  }

  private drop(reason: StunDecodeErrorCode | 'STUN_NOT_REQUEST'): null {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    return null;
  }
}
