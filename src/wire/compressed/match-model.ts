/**
 * The text match model (LZP, after Bloom 1996): the four bytes before a string byte are hashed
 * and looked up, first among the strings already coded in this message, then in a trained text
 * dictionary; the byte that followed them there is the prediction. A correct prediction costs one
 * decision ("as predicted") instead of eight, and long runs of correct predictions (a phrase, a
 * name seen before) become nearly free: the decision's context is the run length so far.
 */

/** Bytes of context hashed to find a match. */
export const MATCH_ORDER = 4;
/** log2 of the dictionary's match table size. */
export const MATCH_HASH_BITS = 16;
/** log2 of the per-message match table size (messages are short; a small table stays in cache). */
export const HISTORY_HASH_BITS = 12;
/** Largest trained text dictionary. */
export const TEXT_DICTIONARY_MAX_BYTES = 64 * 1024 - 1;
/** Run lengths above this share one context. */
export const MATCH_RUN_MAX = 15;
/** No prediction. */
export const NO_MATCH = -1;

/** Hash of the four bytes before a position (packed big-endian into `context`). */
export function matchHash(context: number): number {
  return Math.imul(context, 0x9e37_79b1) >>> (32 - MATCH_HASH_BITS);
}

/** The per-message table's index for a dictionary hash. */
const historyIndex = (h: number): number => h >>> (MATCH_HASH_BITS - HISTORY_HASH_BITS);

/**
 * The trained dictionary and, for every context hash, the position after its last occurrence
 * (16-bit; 0, which can never follow a context, means none).
 */
export class TextDictionary {
  readonly table: Uint16Array;
  constructor(readonly bytes: Uint8Array) {
    if (bytes.length > TEXT_DICTIONARY_MAX_BYTES) throw new Error(`text dictionary larger than ${TEXT_DICTIONARY_MAX_BYTES} bytes`);
    this.table = new Uint16Array(1 << MATCH_HASH_BITS);
    let context = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (i >= MATCH_ORDER) this.table[matchHash(context)] = i;
      context = ((context << 8) | (bytes[i] as number)) >>> 0;
    }
  }
}

/**
 * The strings of the message so far, each preceded by MATCH_ORDER zero bytes (so the start of a
 * string is a context of its own), with a hash table whose entries count only if stamped with the
 * current message's epoch: starting a message costs nothing.
 */
export class MessageHistory {
  bytes = new Uint8Array(1024);
  length = 0;
  private readonly positions = new Int32Array(1 << HISTORY_HASH_BITS);
  private readonly stamps = new Uint32Array(1 << HISTORY_HASH_BITS);
  private epoch = 0;

  /** Starts a new message. */
  begin(): void {
    this.length = 0;
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      this.stamps.fill(0);
      this.epoch = 1;
    }
  }

  /** Starts a string of `n` bytes: room for it, and MATCH_ORDER zero bytes of context. */
  beginString(n: number): void {
    const needed = this.length + MATCH_ORDER + n;
    if (needed > this.bytes.length) {
      const next = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
    }
    this.bytes.fill(0, this.length, this.length + MATCH_ORDER);
    this.length += MATCH_ORDER;
  }

  /** Records that the byte at position `at` followed context hash `h`. */
  remember(h: number, at: number): void {
    const i = historyIndex(h);
    this.positions[i] = at;
    this.stamps[i] = this.epoch;
  }

  /** Position after the last occurrence of context hash `h` in this message, or NO_MATCH. */
  find(h: number): number {
    const i = historyIndex(h);
    return this.stamps[i] === this.epoch ? (this.positions[i] as number) : NO_MATCH;
  }

  /** Appends a byte of the string begun with beginString (room is already made). */
  append(b: number): void {
    this.bytes[this.length++] = b;
  }
}

/** Marks a prediction that came from this message rather than from the dictionary. */
export const FROM_MESSAGE = 0x100;

/** Marks a match position in this message's history (rather than in the dictionary). */
export const IN_MESSAGE = 0x4000_0000;

/**
 * Where the next byte is predicted from: the current match continued (after a hit: a phrase goes
 * on as it went on before, which measured 60% correct predictions on the corpus against 51% for
 * looking every byte up afresh), else the last occurrence of context hash `h` in this message,
 * else in the dictionary. A dictionary position, a history position | IN_MESSAGE, or NO_MATCH.
 */
export function findMatch(match: number, h: number, history: MessageHistory, dictionary: TextDictionary): number {
  if (match !== NO_MATCH) return match;
  const at = history.find(h);
  if (at !== NO_MATCH) return at | IN_MESSAGE;
  const d = dictionary.table[h] as number;
  return d !== 0 ? d : NO_MATCH;
}

/** The byte a match position predicts, with FROM_MESSAGE set when it is from this message. */
export function matchByte(match: number, history: MessageHistory, dictionary: TextDictionary): number {
  return match >= IN_MESSAGE ? (history.bytes[match - IN_MESSAGE] as number) | FROM_MESSAGE : (dictionary.bytes[match] as number);
}

/** The match position after a byte: the next one on a hit (while the dictionary lasts), none on a miss. */
export function advanceMatch(match: number, hit: boolean, dictionary: TextDictionary): number {
  if (!hit || match === NO_MATCH) return NO_MATCH;
  const next = match + 1;
  return next >= IN_MESSAGE || next < dictionary.bytes.length ? next : NO_MATCH;
}

/** Byte classes for the match decision's context: what kind of byte is predicted. */
export const BYTE_CLASS = Uint8Array.from({ length: 256 }, (_, b) =>
  b >= 0x80 ? (b >= 0xc0 ? 4 : 5) : b >= 0x61 && b <= 0x7a ? 0 : b >= 0x41 && b <= 0x5a ? 1 : b >= 0x30 && b <= 0x39 ? 2 : b === 0x20 ? 3 : 6,
);

/** The context of the "as predicted" decision: run length, source and class of the prediction. */
export function matchContext(guess: number, run: number): number {
  return (run << 4) | ((guess & FROM_MESSAGE) >>> 5) | (BYTE_CLASS[guess & 0xff] as number);
}
