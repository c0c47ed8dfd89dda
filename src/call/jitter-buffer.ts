/**
 * The adaptive jitter buffer of a call's incoming audio, sans-I/O, in the manner of WebRTC's NetEq:
 * frames go in as they arrive (`push`, with their arrival time), and the player takes one every
 * frame period (`pull`). The buffer's delay follows the observed arrival delays: each frame's
 * delay relative to the earliest-arriving frame of the recent window (arrival time minus its
 * media time), and the target is a high quantile of those (JITTER_QUANTILE), clamped. A frame
 * missing at its turn is rebuilt from the copy of it that the next frame carries (`redundant`,
 * media-stream.ts) when that one is already here, and concealed otherwise; a frame that arrives
 * after its turn is dropped and counted.
 *
 * Sequence numbers count packets sent and timestamps count media time, so a pause in the sender's
 * packets (DTX: it sends nothing in silence) is told from loss: a gap in time with no gap in
 * sequence numbers is a pause, played as silence. A frame is declared lost only once a later one
 * is here; with nothing buffered the player stretches (`empty`: the decoder fades out what it
 * played last) and the frame still plays if it comes.
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
/** Lost frames skipped at most in one pull when catching up (pauses: as many as it takes). */
export const JITTER_SKIP_LOST_MAX = 1;
/** Frames held at most (beyond: the oldest are dropped and counted). */
export const JITTER_FRAMES_MAX = 100;

/** A frame of the incoming stream: its sequence number (16 bits, wrapping), media timestamp (48 kHz samples, 32 bits, wrapping) and payload. */
export interface MediaFrame {
  readonly seq: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
  /** A copy of the frame sent just before this one (its timestamp one frame earlier), if carried. */
  readonly redundant?: Uint8Array;
}

interface Held extends MediaFrame {
  /** Media time, ms, unwrapped. */
  readonly media: number;
}

/** What the player gets for one frame period. */
export type PlayOut =
  | { readonly type: 'frame'; readonly seq: number; readonly payload: Uint8Array }
  /** Frame `seq` was lost: this is its copy, carried by the next frame. */
  | { readonly type: 'fec'; readonly seq: number; readonly payload: Uint8Array }
  /** Frame `seq` is lost: conceal it (packet loss concealment). */
  | { readonly type: 'conceal'; readonly seq: number }
  /** The sender paused (DTX): play silence. */
  | { readonly type: 'silence' }
  /** Nothing is here for this turn yet (late, or a pause not known yet): stretch what played last. */
  | { readonly type: 'empty' }
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
  /** Turns played as silence (the sender paused), and turns with nothing to play. */
  silent: number;
  empty: number;
  /** Turns of pause or of lost frames skipped to catch up after a stretch. */
  skipped: number;
}

/** Sequence numbers compared across the 16-bit wrap: a - b. */
const seqDiff = (a: number, b: number): number => ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;

/** One incoming stream's jitter buffer. */
export class JitterBuffer {
  readonly stats: JitterStats = { received: 0, played: 0, fecRecovered: 0, concealed: 0, late: 0, duplicate: 0, overflow: 0, silent: 0, empty: 0, skipped: 0 };
  private readonly frames = new Map<number, Held>();
  /** Recent frames' (arrival - media time), ms. */
  private readonly delays: number[] = [];
  /** The next sequence number to play, once playing, and its media time (ms, unwrapped). */
  private next: number | null = null;
  private nextMediaMs = 0;
  /** The current buffer delay (ms), moving toward the target. */
  private delay = JITTER_MIN_MS;
  private lastTimestamp: number | null = null;
  private timestampHigh = 0;
  /** The smallest recent delay and the target, worked out again only when a frame arrives (pulls read them every turn). */
  private derived: { readonly base: number; readonly target: number } | null = null;

  private get window(): { readonly base: number; readonly target: number } {
    if (this.derived) return this.derived;
    if (this.delays.length === 0) return { base: 0, target: JITTER_MIN_MS };
    const base = Math.min(...this.delays);
    const spread = this.delays.map((d) => d - base).sort((a, b) => a - b);
    const q = spread[Math.min(spread.length - 1, Math.floor(JITTER_QUANTILE * spread.length))] as number;
    this.derived = { base, target: Math.min(JITTER_MAX_MS, Math.max(JITTER_MIN_MS, q + FRAME_MS)) };
    return this.derived;
  }

  /** The delay the buffer aims at now (ms). */
  get targetDelayMs(): number {
    return this.window.target;
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
    this.derived = null;
    if (this.frames.size >= JITTER_FRAMES_MAX) {
      const oldest = [...this.frames.keys()].sort((x, y) => seqDiff(x, y))[0] as number;
      this.frames.delete(oldest);
      this.stats.overflow++;
    }
    this.frames.set(seq, { seq, timestamp, payload: frame.payload, media, ...(frame.redundant ? { redundant: frame.redundant } : {}) });
  }

  /**
   * When the next frame is due (ms), or null before any frame arrived: its media time, placed on
   * the wall clock by the earliest-arriving recent frame, plus the buffer's delay.
   */
  nextDue(): number | null {
    return this.next === null ? null : this.window.base + this.nextMediaMs + this.delay;
  }

  /**
   * The player's turn at `now`: what to play for the next frame period (call every FRAME_MS).
   * Behind its schedule by a frame or more (after a stretch), the player catches up where nothing
   * real is lost: a turn of pause, or of a lost frame, is skipped rather than played.
   */
  pull(now: number): PlayOut {
    const due = this.nextDue();
    if (this.next === null || due === null || now < due) return { type: 'wait' };
    // Toward the target, a little per frame: later by up to a step (stretch) or earlier (shorten).
    this.delay += Math.max(-JITTER_ADAPT_STEP_MS, Math.min(JITTER_ADAPT_STEP_MS, this.targetDelayMs - this.delay));
    let lostSkipped = 0;
    for (let turn = 0; ; turn++) {
      const behind = now - (this.nextDue() as number) >= FRAME_MS;
      const out = this.turn();
      // A pause costs nothing to shorten; lost frames, one per turn at most.
      const skip = behind && turn < JITTER_FRAMES_MAX && (out.type === 'silence' || (out.type === 'conceal' && lostSkipped++ < JITTER_SKIP_LOST_MAX));
      if (!skip) return out;
      this.stats.skipped++;
    }
  }

  /** The next turn's play-out. */
  private turn(): PlayOut {
    const slot = this.nextMediaMs;
    const seq = this.next as number;
    const frame = this.frames.get(seq);
    if (frame) {
      if (frame.media > slot + FRAME_MS / 2) return this.silence();
      this.frames.delete(seq);
      this.advance();
      // On the frame's own time: after a stretch, the schedule stays a frame behind (caught up in a pause).
      this.nextMediaMs = Math.max(slot, frame.media) + FRAME_MS;
      return { type: 'frame', seq, payload: frame.payload };
    }
    const later = this.earliest();
    if (!later) {
      // A stretch: the schedule does not move, so the player is now a turn behind it.
      this.stats.empty++;
      return { type: 'empty' };
    }
    // The missing frames are taken to be those just before the later one (a pause comes before them).
    const missing = seqDiff(later.seq, seq);
    if (later.media - missing * FRAME_MS > slot + FRAME_MS / 2) return this.silence();
    this.advance();
    this.nextMediaMs = slot + FRAME_MS;
    if (missing === 1 && later.redundant) {
      this.stats.fecRecovered++;
      return { type: 'fec', seq, payload: later.redundant };
    }
    this.stats.concealed++;
    return { type: 'conceal', seq };
  }

  private silence(): PlayOut {
    this.nextMediaMs += FRAME_MS;
    this.stats.silent++;
    return { type: 'silence' };
  }

  private advance(): void {
    this.next = ((this.next as number) + 1) & 0xffff;
    this.stats.played++;
  }

  /** The buffered frame that comes first. */
  private earliest(): Held | null {
    let best: Held | null = null;
    for (const f of this.frames.values()) if (best === null || seqDiff(f.seq, best.seq) < 0) best = f;
    return best;
  }
}
