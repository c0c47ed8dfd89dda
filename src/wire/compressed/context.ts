/**
 * Context layout of the compressed encoding's model. One probability table holds every binary
 * context: a hashed region for structure and numbers, a small region for the match decisions (the
 * only adaptive one), a direct order-1 text region and a hashed order-2 text region. Next to it,
 * a table of trained predictions. Changing anything here changes the encoding (and invalidates
 * the trained priors).
 */

/** log2 of the hashed region's size: 2^16 slots (128 KiB of Uint16). */
export const HASHED_BITS = 16;
/** Size of the hashed region. */
export const HASHED_SLOTS = 1 << HASHED_BITS;
/** Start of the match decisions' region, the only adaptive one (adaptive-table.ts). */
export const MATCH_BASE = HASHED_SLOTS;
/** Size of the match region: one slot per match context (match-model.ts matchContext). */
export const MATCH_SLOTS = 256;
/** Start of the text region: 257 previous-byte states (256 = start of string) x 256 tree nodes. */
export const TEXT_BASE = MATCH_BASE + MATCH_SLOTS;
/** State of the text model before the first byte of a string. */
export const TEXT_START = 256;
/** log2 of the order-2 text region's size (blocks of 16 slots hashed on the two previous bytes and the nibble; see text2Slot). */
export const TEXT2_BITS = 17;
/** Start of the order-2 text region. Its slots start at 0, "untrained": then order 1 is used. */
export const TEXT2_BASE = TEXT_BASE + 257 * 256;
/** Total number of probability slots. */
export const TABLE_SLOTS = TEXT2_BASE + (1 << TEXT2_BITS);

/** The context of a text byte's trained prediction after bytes prev2, prev1 (second chance after the match model). */
export function textContext(prev2: number, prev1: number): number {
  return mix(TAG.textPredict, prev2 | (prev1 << 9));
}

/** Shift that turns a 32-bit hash into an order-2 text block index (blocks of 16 slots). */
export const TEXT2_BLOCK_SHIFT = 32 - (TEXT2_BITS - 4);

/**
 * The order-2 text slot of tree node `node` (1..255) after bytes prev2, prev1 (256 = before the
 * string). Slots are grouped per nibble, as in lpaq: the high nibble's 15 nodes share one 16-slot
 * block of the context, the low nibble's share one block of (context, high nibble), so a byte
 * touches two cache lines of the table rather than eight scattered slots.
 */
export function text2Slot(prev2: number, prev1: number, node: number): number {
  const key = prev2 | (prev1 << 9);
  if (node < 16) return TEXT2_BASE + ((Math.imul(key, 0x9e37_79b1) >>> TEXT2_BLOCK_SHIFT) << 4) + node;
  const depth = 31 - Math.clz32(node) - 4;
  const high = node >>> depth;
  const low = (1 << depth) | (node & ((1 << depth) - 1));
  return TEXT2_BASE + ((Math.imul(key | (high << 18), 0x9e37_79b1) >>> TEXT2_BLOCK_SHIFT) << 4) + low;
}

/** Mixes `x` into the context hash `h`. */
export function mix(h: number, x: number): number {
  const m = Math.imul(h ^ x, 0x9e37_79b1);
  return m ^ (m >>> 15);
}

/** The hashed-region slot of tree node `node` (0..255) under context `h`. */
export function slot(h: number, node: number): number {
  return Math.imul(h ^ node, 0x85eb_ca6b) >>> (32 - HASHED_BITS);
}

/** Distinct tags that keep the contexts of different decisions apart. */
export const TAG = {
  command: 0x1001,
  requestId: 0x1002,
  list: 0x1003,
  next: 0x1004,
  delta: 0x1005,
  type: 0x1006,
  uintLength: 0x1007,
  uintHigh: 0x1008,
  uintLow: 0x1009,
  fixed64: 0x100a,
  family: 0x100b,
  prefix: 0x100c,
  addressByte: 0x100d,
  portHigh: 0x100e,
  portLow: 0x100f,
  length: 0x1010,
  repeat: 0x1011,
  repeatIndex: 0x1012,
  count: 0x1014,
  element: 0x1015,
  numberRef: 0x1016,
  numberSign: 0x1017,
  numberDelta: 0x1018,
  addressRef: 0x1019,
  portSame: 0x101a,
  predict: 0x101b,
  successor: 0x101c,
  port: 0x101d,
  match: 0x101e,
  textPredict: 0x101f,
} as const;

/** log2 of the prediction table's size (trained "most likely symbol" per context). */
export const PRED_BITS = 15;
/** Size of the prediction table. */
export const PRED_SLOTS = 1 << PRED_BITS;
/** A prediction table entry with no prediction. */
export const NO_PREDICTION = -1;
/** Symbols above this are never predicted (integers are predicted only below 2^31). */
export const PREDICTABLE_MAX = 0x7fff_ffff;

/** The prediction-table index of context `h`. */
export function predSlot(h: number): number {
  return Math.imul(h, 0x27d4_eb2f) >>> (32 - PRED_BITS);
}

/** Leading address bytes that are modelled (private and documentation ranges); the rest are uniform. */
export const ADDRESS_MODELLED_BYTES_V4 = 1;
export const ADDRESS_MODELLED_BYTES_V6 = 2;
/** Top mantissa bits of an integer that are modelled; lower bits are uniform. */
export const UINT_MODELLED_BITS = 32;
/**
 * Integers longer than this (millisecond timestamps: 41 bits) model only their top
 * WIDE_UINT_MODELLED_BITS: below those, a timestamp's bits are as good as random, and coding them
 * uniformly takes one step instead of sixteen decisions.
 */
export const WIDE_UINT_BITS = 33;
export const WIDE_UINT_MODELLED_BITS = 16;
/** Strings and blobs shorter than this are never coded as repeats. */
export const REPEAT_MIN_BYTES = 3;
/** How many earlier strings (and blobs) a repeat may refer to. */
export const REPEAT_WINDOW = 32;
/**
 * Integers of at least this many bits are remembered per field, so a later value of the same field
 * (the next device's serial, the next candidate's priority) can be coded as a difference to it.
 */
export const FIELD_REF_MIN_BITS = 12;
/** Integers of at least this many bits are remembered message-wide (timestamps: notBefore, notAfter). */
export const GLOBAL_REF_MIN_BITS = 24;
/** A difference is used only if it saves at least this many bits over the plain value. */
export const DELTA_SAVING_MIN_BITS = 4;
/** How many earlier addresses of a family a new one may share a prefix with. */
export const ADDRESS_WINDOW = 8;
