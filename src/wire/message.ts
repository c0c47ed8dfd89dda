/** The two encodings behind one entry point; the first byte tells them apart. */

import { COMPRESSED_MARK_MIN } from './constants.js';
import { decodeCompressed, encodeCompressed } from './compressed/codec.js';
import { type DecodeResult, WireError } from './errors.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
import { decodePlain, encodePlain } from './plain.js';
import type { WireMessage } from './types.js';

/** Options of `encodeMessage`. */
export interface EncodeOptions {
  /** Use the range-coded encoding (default: plain). */
  readonly compressed?: boolean;
}

/** Options of `decodeMessage`. */
export interface DecodeOptions {
  /** Tighter or looser limits than DEFAULT_WIRE_LIMITS. */
  readonly limits?: Partial<WireLimits>;
}

/** The encoding of some bytes, judged by their first byte. */
export type WireEncoding = 'plain' | 'compressed';

/** Which encoding bytes claim to be in (they may still fail to decode); null when empty. */
export function encodingOf(bytes: Uint8Array): WireEncoding | null {
  if (bytes.length === 0) return null;
  return (bytes[0] as number) >= COMPRESSED_MARK_MIN ? 'compressed' : 'plain';
}

/** Encodes a message; throws a local WireError if the value cannot be carried. */
export function encodeMessage(message: WireMessage, options: EncodeOptions = {}): Uint8Array {
  return options.compressed === true ? encodeCompressed(message) : encodePlain(message);
}

/** Decodes plain or compressed bytes to `{ ok: true, value }` or `{ ok: false, error }`; never throws on bad input. */
export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult<WireMessage> {
  const limits = options.limits ? { ...DEFAULT_WIRE_LIMITS, ...options.limits } : DEFAULT_WIRE_LIMITS;
  try {
    if (!(bytes instanceof Uint8Array)) throw new WireError('WIRE_BAD_VALUE', 'input must be a Uint8Array', 'local');
    if (bytes.length === 0) throw new WireError('WIRE_EMPTY', 'no bytes', 'remote', 0);
    if (bytes.length > limits.maxTotalBytes) {
      throw new WireError('WIRE_LIMIT_SIZE', `${bytes.length} bytes exceed the limit of ${limits.maxTotalBytes}`, 'remote', 0);
    }
    const value =
      (bytes[0] as number) >= COMPRESSED_MARK_MIN
        ? decodeCompressed(bytes, limits)
        : decodePlain(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), limits);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof WireError) return { ok: false, error: e };
    // A bug, not bad input: still a value, never a throw, but with a code that says so.
    return { ok: false, error: new WireError('WIRE_INTERNAL', `decoder fault: ${e instanceof Error ? e.message : String(e)}`, 'local') };
  }
}
