/**
 * Padding of transport plaintexts (ISO/IEC 7816-4 style): the payload, a 0x80 byte, then zero bytes
 * up to the smallest configured bucket that holds it (none when no buckets are set). Inside the
 * encryption, so an observer sees only bucket sizes. The marker is always there, so padding can
 * be turned on by one side without the other knowing.
 */

/** The padding marker. */
const MARKER = 0x80;
/** Bytes the marker adds to every packet. */
export const PADDING_MARKER_BYTES = 1;

/** The padded plaintext of `payload`: payload, marker, zeros up to a bucket (sorted ascending). */
export function pad(payload: Uint8Array, buckets: readonly number[]): Uint8Array {
  const needed = payload.length + PADDING_MARKER_BYTES;
  let size = needed;
  for (const b of buckets) {
    if (b >= needed) {
      size = b;
      break;
    }
  }
  const out = new Uint8Array(size);
  out.set(payload);
  out[payload.length] = MARKER;
  return out;
}

/** The payload of a padded plaintext, or null if it has no marker (malformed). */
export function unpad(plaintext: Uint8Array): Uint8Array | null {
  let end = plaintext.length - 1;
  while (end >= 0 && plaintext[end] === 0) end--;
  if (end < 0 || plaintext[end] !== MARKER) return null;
  return plaintext.subarray(0, end);
}
