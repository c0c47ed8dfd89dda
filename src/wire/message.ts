/** The two encodings behind one entry point; the first byte tells them apart. */

import { type DecodeResult, WireError } from './errors.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from './limits.js';
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

/** Encodes a message; throws a local WireError if the value cannot be carried. */
export function encodeMessage(message: WireMessage, options: EncodeOptions = {}): Uint8Array {
  void message;
  void options;
  throw new WireError('WIRE_BAD_VALUE', 'not implemented yet', 'local');
}

/** Decodes plain or compressed bytes; never throws on bad input. */
export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult<WireMessage> {
  void bytes;
  void { ...DEFAULT_WIRE_LIMITS, ...options.limits };
  return { ok: false, error: new WireError('WIRE_EMPTY', 'not implemented yet') };
}
