/**
 * Named decoding limits. Every decoder allocates only within these, whatever the input says.
 */

/** Limits on what one decoded message may contain. */
export interface WireLimits {
  /** Deepest nesting of lists; the top-level list is depth 1. */
  readonly maxDepth: number;
  /** Most objects in the whole message, nested ones and uintList elements included. */
  readonly maxObjects: number;
  /** Longest string, in UTF-8 bytes. */
  readonly maxStringBytes: number;
  /** Longest blob, in bytes. */
  readonly maxBlobBytes: number;
  /** Most encoded input bytes, and most decoded payload bytes (a bound on decompression bombs). */
  readonly maxTotalBytes: number;
}

/**
 * Defaults: far above any signalling message (a UDP datagram carries at most ~1,200 bytes; TCP
 * and offline-store messages a few KiB), small enough that a hostile message costs little memory.
 */
export const DEFAULT_WIRE_LIMITS: WireLimits = Object.freeze({
  maxDepth: 16,
  maxObjects: 4096,
  maxStringBytes: 64 * 1024,
  maxBlobBytes: 256 * 1024,
  maxTotalBytes: 1024 * 1024,
});
