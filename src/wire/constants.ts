/** Every constant of the wire format, in one place. See docs/wire.md. */

/** First byte of a plain-encoded message, version 1. Bytes 0x00-0x7f are reserved for headers. */
export const PLAIN_V1_HEADER = 0x01;
/** A first byte at or above this marks the compressed encoding (its first coded bit is 1). */
export const COMPRESSED_MARK_MIN = 0x80;

/** Type codes, in the order of OBJECT_TYPES (types.ts). Code 7 is invalid. */
export const TYPE_UINT = 0;
export const TYPE_FIXED64 = 1;
export const TYPE_ADDRESS = 2;
export const TYPE_STRING = 3;
export const TYPE_BLOB = 4;
export const TYPE_LIST = 5;
export const TYPE_UINT_LIST = 6;
/** Number of valid type codes. */
export const TYPE_COUNT = 7;
/** Bits of a plain object key that hold the type; the rest hold the id delta. */
export const KEY_TYPE_BITS = 3;

/** Address family bytes of the plain encoding. */
export const FAMILY_IPV4 = 4;
export const FAMILY_IPV6 = 6;

/** Longest canonical LEB128 varint of a 64-bit value. */
export const VARINT_MAX_BYTES = 10;
