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

/**
 * The reading side of one direction: bytes in, whole packets out. Every byte is copied once, into
 * the frame it belongs to (a peer that sends a frame one byte at a time costs linear work), and
 * at most one frame (TCP_FRAME_MAX_BYTES) is held.
 */
export class FrameReader {
  private keystream: Cipher | null = null;
  private readonly head = new Uint8Array(TCP_NONCE_BYTES);
  private headFilled = 0;
  private frame: Uint8Array | null = null;
  private frameFilled = 0;

  constructor(private readonly key: Uint8Array) {}

  /** Adds received bytes; returns the packets they complete. */
  push(bytes: Uint8Array): Uint8Array[] {
    const packets: Uint8Array[] = [];
    let at = 0;
    while (at < bytes.length) {
      if (this.frame === null) {
        // The nonce (once), then each frame's masked length, gather in `head`.
        const want = this.keystream === null ? TCP_NONCE_BYTES : LENGTH_BYTES;
        const n = Math.min(want - this.headFilled, bytes.length - at);
        this.head.set(bytes.subarray(at, at + n), this.headFilled);
        this.headFilled += n;
        at += n;
        if (this.headFilled < want) break;
        this.headFilled = 0;
        if (this.keystream === null) {
          this.keystream = createCipheriv('chacha20', this.key, this.head);
          continue;
        }
        const mask = this.keystream.update(Buffer.alloc(LENGTH_BYTES));
        const length = (((this.head[0] as number) ^ (mask[0] as number)) << 8) | ((this.head[1] as number) ^ (mask[1] as number));
        this.frame = new Uint8Array(length);
        this.frameFilled = 0;
      }
      const n = Math.min(this.frame.length - this.frameFilled, bytes.length - at);
      this.frame.set(bytes.subarray(at, at + n), this.frameFilled);
      this.frameFilled += n;
      at += n;
      if (this.frameFilled === this.frame.length) {
        packets.push(this.frame);
        this.frame = null;
      }
    }
    // A zero-length frame completes without bytes of its own.
    if (this.frame !== null && this.frame.length === 0) {
      packets.push(this.frame);
      this.frame = null;
    }
    return packets;
  }
}
