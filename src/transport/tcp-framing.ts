/**
 * Framing for sessions over TCP (port 443 where UDP is blocked), without a visible structure: each
 * direction of a connection starts with 16 random bytes, then carries frames of a 2-byte length
 * masked with a ChaCha20 keystream (the responder's obfuscation key, that direction's 16 bytes as
 * IV; obfs4 masks lengths the same way) followed by the packet, itself already indistinguishable
 * from random bytes. Pure: the driver feeds bytes in and writes bytes out.
 */

import { createCipheriv, type Cipher } from 'node:crypto';

/** Random bytes that open each direction. */
export const TCP_NONCE_BYTES = 16;
/** Largest packet a frame carries. */
export const TCP_FRAME_MAX_BYTES = 0xffff;
/** Most bytes buffered for an incomplete frame: one frame and its length. */
const TCP_BUFFER_MAX_BYTES = TCP_FRAME_MAX_BYTES + 2;

const LENGTH_BYTES = 2;

/** The writing side of one direction. */
export class FrameWriter {
  private readonly keystream: Cipher;
  private opened = false;

  constructor(
    key: Uint8Array,
    private readonly nonce: Uint8Array,
  ) {
    this.keystream = createCipheriv('chacha20', key, nonce.subarray(0, TCP_NONCE_BYTES));
  }

  /** The bytes to write for `packet` (the direction's nonce first, once). */
  frame(packet: Uint8Array): Uint8Array {
    if (packet.length > TCP_FRAME_MAX_BYTES) throw new RangeError(`a TCP frame carries at most ${TCP_FRAME_MAX_BYTES} bytes`);
    const mask = this.keystream.update(Buffer.alloc(LENGTH_BYTES));
    const head = this.opened ? 0 : TCP_NONCE_BYTES;
    const out = new Uint8Array(head + LENGTH_BYTES + packet.length);
    if (!this.opened) out.set(this.nonce.subarray(0, TCP_NONCE_BYTES));
    this.opened = true;
    out[head] = (packet.length >>> 8) ^ (mask[0] as number);
    out[head + 1] = (packet.length & 0xff) ^ (mask[1] as number);
    out.set(packet, head + LENGTH_BYTES);
    return out;
  }
}

/** The reading side of one direction: bytes in, whole packets out. */
export class FrameReader {
  private keystream: Cipher | null = null;
  private buffer = Buffer.alloc(0);
  private pendingLength = -1;

  constructor(private readonly key: Uint8Array) {}

  /** Adds received bytes; returns the packets they complete. */
  push(bytes: Uint8Array): Uint8Array[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.buffer, bytes]);
    const packets: Uint8Array[] = [];
    for (;;) {
      if (this.keystream === null) {
        if (this.buffer.length < TCP_NONCE_BYTES) break;
        this.keystream = createCipheriv('chacha20', this.key, this.buffer.subarray(0, TCP_NONCE_BYTES));
        this.buffer = this.buffer.subarray(TCP_NONCE_BYTES);
      }
      if (this.pendingLength < 0) {
        if (this.buffer.length < LENGTH_BYTES) break;
        const mask = this.keystream.update(Buffer.alloc(LENGTH_BYTES));
        this.pendingLength = (((this.buffer[0] as number) ^ (mask[0] as number)) << 8) | ((this.buffer[1] as number) ^ (mask[1] as number));
        this.buffer = this.buffer.subarray(LENGTH_BYTES);
      }
      if (this.buffer.length < this.pendingLength) break;
      packets.push(new Uint8Array(this.buffer.subarray(0, this.pendingLength)));
      this.buffer = this.buffer.subarray(this.pendingLength);
      this.pendingLength = -1;
    }
    if (this.buffer.length > TCP_BUFFER_MAX_BYTES) throw new RangeError('TCP framing overflow');
    return packets;
  }
}
