/**
 * Message ids: UUIDv7 (RFC 9562 section 5.7): 48 bits of Unix milliseconds, then random bits, so
 * ids sort by the time they were made. One generator per device keeps its own ids strictly
 * increasing even within a millisecond or when the clock steps back (section 6.2, method 3: the
 * timestamp is held at the last one used and the random part is incremented), so a conversation
 * ordered by id shows one device's messages in the order it sent them.
 */

/** Bytes of a message id. */
export const MESSAGE_ID_BYTES = 16;

/** The Unix milliseconds in a UUIDv7. */
export function messageIdTime(id: Uint8Array): number {
  let t = 0;
  for (let i = 0; i < 6; i++) t = t * 256 + (id[i] as number);
  return t;
}

/** Whether `id` is a UUIDv7 (version 7, variant 10). */
export function isMessageId(id: Uint8Array): boolean {
  return id.length === MESSAGE_ID_BYTES && ((id[6] as number) & 0xf0) === 0x70 && ((id[8] as number) & 0xc0) === 0x80;
}

/** The canonical text form (8-4-4-4-12 hex). */
export function formatMessageId(id: Uint8Array): string {
  const h = Buffer.from(id).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id of a text form, or null. */
export function parseMessageId(text: string): Uint8Array | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) return null;
  const id = new Uint8Array(Buffer.from(text.replace(/-/g, ''), 'hex'));
  return isMessageId(id) ? id : null;
}

/** Makes strictly increasing UUIDv7s from injected time and randomness. */
export class MessageIdGenerator {
  private last: Uint8Array | null = null;

  constructor(private readonly random: (n: number) => Uint8Array) {}

  next(now: number): Uint8Array {
    const id = new Uint8Array(MESSAGE_ID_BYTES);
    const last = this.last;
    if (last && messageIdTime(last) >= now) {
      // Same millisecond (or the clock went back): the last id plus one in its random bits.
      id.set(last);
      for (let i = MESSAGE_ID_BYTES - 1; i >= 6; i--) {
        if (i === 6 || i === 8) {
          // Skip over the version and variant bits.
          const mask = i === 6 ? 0x0f : 0x3f;
          const v = ((id[i] as number) & mask) + 1;
          id[i] = ((id[i] as number) & ~mask) | (v & mask);
          if (v <= mask) break;
          continue;
        }
        id[i] = ((id[i] as number) + 1) & 0xff;
        if (id[i] !== 0) break;
      }
    } else {
      let t = Math.max(0, Math.floor(now));
      for (let i = 5; i >= 0; i--) {
        id[i] = t % 256;
        t = Math.floor(t / 256);
      }
      id.set(this.random(10), 6);
      id[6] = 0x70 | ((id[6] as number) & 0x0f);
      id[8] = 0x80 | ((id[8] as number) & 0x3f);
    }
    this.last = id;
    return id;
  }
}
