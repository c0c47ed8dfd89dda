/**
 * The adaptive jitter buffer of a call's incoming audio, sans-I/O, in the manner of WebRTC's NetEq:
 * frames go in as they arrive (`push`, with their arrival time), and the player takes one every
 * frame period (`pull`). The buffer's delay follows the observed arrival delays: each frame's
 * delay relative to the earliest-arriving frame of the recent window (arrival time minus its
 * media time), and the target is a high quantile of those (JITTER_QUANTILE), clamped. A frame
 * missing at its turn is rebuilt from the next frame's in-band FEC when that one is already here
 * (Opus carries a low-rate copy of the previous frame), and concealed otherwise; a frame that
 * arrives after its turn is dropped and counted.
 *
 * The target moves the play-out point a little per frame (JITTER_ADAPT_STEP_MS), never a jump: a
 * player shortens or stretches audio for that (NetEq's accelerate and expand).
 */

/** Frame period: 20 ms of 48 kHz audio. */
export const FRAME_MS = 20;
export const SAMPLES_PER_MS = 48;
/** Arrival delays remembered (about 4 s of audio). */
export const JITTER_WINDOW = 200;
/** The target delay covers this share of recent frames' arrival delays. */
export const JITTER_QUANTILE = 0.95;
/** Bounds of the target delay. */
export const JITTER_MIN_MS = 20;
export const JITTER_MAX_MS = 500;
/** How far the play-out point moves toward the target per frame played. */
export const JITTER_ADAPT_STEP_MS = 2;
/** Frames held at most (beyond: the oldest are dropped and counted). */
export const JITTER_FRAMES_MAX = 100;

/** A frame of the incoming stream: its sequence number (16 bits, wrapping), media timestamp (48 kHz samples, 32 bits, wrapping) and payload. */
export interface MediaFrame {
  readonly seq: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

/** What the player gets for one frame period. */
export type PlayOut =
  | { readonly type: 'frame'; readonly seq: number; readonly payload: Uint8Array }
  /** Rebuild frame `seq` from the FEC data in this (the next) frame's payload. */
  | { readonly type: 'fec'; readonly seq: number; readonly payload: Uint8Array }
  /** Frame `seq` is lost: conceal it (packet loss concealment). */
  | { readonly type: 'conceal'; readonly seq: number }
  /** Nothing to play yet (before the first frame's turn). */
  | { readonly type: 'wait' };

export interface JitterStats {
  received: number;
  played: number;
  fecRecovered: number;
  concealed: number;
  /** Frames that came after their turn, or twice. */
  late: number;
  duplicate: number;
  overflow: number;
}

/** Sequence numbers compared across the 16-bit wrap: a - b. */
const seqDiff = (a: number, b: number): number => ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;

/** One incoming stream's jitter buffer. */
export class JitterBuffer {
  readonly stats: JitterStats = { received: 0, played: 0, fecRecovered: 0, concealed: 0, late: 0, duplicate: 0, overflow: 0 };
  private readonly frames = new Map<number, MediaFrame>();
  /** Recent frames' (arrival - media time), ms. */
  private readonly delays: number[] = [];
  /** The next sequence number to play, once playing, and its media time (ms, unwrapped). */
  private next: number | null = null;
  private nextMediaMs = 0;
  /** The current buffer delay (ms), moving toward the target. */
  private delay = JITTER_MIN_MS;
  private lastTimestamp: number | null = null;
  private timestampHigh = 0;

  /** The delay the buffer aims at now (ms). */
  get targetDelayMs(): number {
    if (this.delays.length === 0) return JITTER_MIN_MS;
    const base = Math.min(...this.delays);
    const spread = this.delays.map((d) => d - base).sort((a, b) => a - b);
    const q = spread[Math.min(spread.length - 1, Math.floor(JITTER_QUANTILE * spread.length))] as number;
    return Math.min(JITTER_MAX_MS, Math.max(JITTER_MIN_MS, q + FRAME_MS));
  }

  /** The delay the buffer plays at now (ms). */
  get currentDelayMs(): number {
    return this.delay;
  }

  /** Media time of a timestamp, ms, unwrapped across 32-bit wraps. */
  private mediaMs(timestamp: number): number {
    if (this.lastTimestamp !== null && timestamp < this.lastTimestamp && this.lastTimestamp - timestamp > 0x80000000) this.timestampHigh += 0x100000000;
    if (this.lastTimestamp === null || timestamp > this.lastTimestamp || this.lastTimestamp - timestamp > 0x80000000) this.lastTimestamp = timestamp;
    return (this.timestampHigh + timestamp) / SAMPLES_PER_MS;
  }

  /** A frame arrived at `now` (ms). */
  push(frame: MediaFrame, now: number): void {
    const seq = frame.seq & 0xffff;
    const timestamp = frame.timestamp >>> 0;
    const media = this.mediaMs(timestamp);
    // The first frame, or, before play-out starts, an earlier one that arrived after it.
    if (this.next === null || (this.stats.played === 0 && seqDiff(seq, this.next) < 0 && !this.frames.has(seq))) {
      this.next = seq;
      this.nextMediaMs = media;
    }
    if (seqDiff(seq, this.next) < 0) {
      this.stats.late++;
      return;
    }
    if (this.frames.has(seq)) {
      this.stats.duplicate++;
      return;
    }
    this.stats.received++;
    this.delays.push(now - media);
    if (this.delays.length > JITTER_WINDOW) this.delays.shift();
    if (this.frames.size >= JITTER_FRAMES_MAX) {
      const oldest = [...this.frames.keys()].sort((x, y) => seqDiff(x, y))[0] as number;
      this.frames.delete(oldest);
      this.stats.overflow++;
    }
    this.frames.set(seq, { seq, timestamp, payload: frame.payload });
  }

  /**
   * When the next frame is due (ms), or null before any frame arrived: its media time, placed on
   * the wall clock by the earliest-arriving recent frame, plus the buffer's delay.
   */
  nextDue(): number | null {
    return this.next === null ? null : Math.min(...this.delays) + this.nextMediaMs + this.delay;
  }

  /** The player's turn at `now`: what to play for the next frame period (call every FRAME_MS). */
  pull(now: number): PlayOut {
    const due = this.nextDue();
    if (this.next === null || due === null || now < due) return { type: 'wait' };
    const seq = this.next;
    this.next = (seq + 1) & 0xffff;
    this.nextMediaMs += FRAME_MS;
    // Toward the target, a little per frame: later by up to a step (stretch) or earlier (shorten).
    this.delay += Math.max(-JITTER_ADAPT_STEP_MS, Math.min(JITTER_ADAPT_STEP_MS, this.targetDelayMs - this.delay));
    this.stats.played++;
    const frame = this.frames.get(seq);
    if (frame) {
      this.frames.delete(seq);
      return { type: 'frame', seq, payload: frame.payload };
    }
    const following = this.frames.get(this.next);
    if (following) {
      this.stats.fecRecovered++;
      return { type: 'fec', seq, payload: following.payload };
    }
    this.stats.concealed++;
    return { type: 'conceal', seq };
  }
}
