/**
 * Coded wire errors. Codes are stable: tests, logs and peers may rely on them.
 *
 * Decoding errors are *remote* errors (the bytes came from a peer); encoding errors are *local*
 * errors (our own code built a value the wire cannot carry).
 */

/** Every stable wire error code. */
export const WIRE_ERROR_CODES = [
  'WIRE_EMPTY',
  'WIRE_BAD_HEADER',
  'WIRE_TRUNCATED',
  'WIRE_TRAILING_BYTES',
  'WIRE_BAD_VARINT',
  'WIRE_BAD_TYPE',
  'WIRE_BAD_ID',
  'WIRE_UNSORTED',
  'WIRE_BAD_UTF8',
  'WIRE_BAD_ADDRESS',
  'WIRE_CORRUPT',
  'WIRE_LIMIT_DEPTH',
  'WIRE_LIMIT_OBJECTS',
  'WIRE_LIMIT_STRING',
  'WIRE_LIMIT_BLOB',
  'WIRE_LIMIT_SIZE',
  'WIRE_BAD_VALUE',
  'WIRE_INTERNAL',
  'SCHEMA_MISSING_FIELD',
  'SCHEMA_BAD_TYPE',
  'SCHEMA_OUT_OF_RANGE',
  'SCHEMA_UNKNOWN_COMMAND',
] as const;

/** A stable wire error code. */
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

/** Who broke the rules: the peer that sent the bytes, or our own code. */
export type WireErrorSide = 'remote' | 'local';

/** A coded wire error, returned by decoders and thrown by encoders. */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: WireErrorCode,
    message: string,
    readonly side: WireErrorSide = 'remote',
    /** Byte offset into the input where the problem was seen, when known. */
    readonly offset?: number,
  ) {
    super(`${code}: ${message}`);
  }
}

/** The result of a total decoder: a value, or a coded error. Never a throw. */
export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };
