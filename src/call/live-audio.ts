/**
 * A call's live audio (issue #9's audio path, the daemon's side): a client (the web app's
 * AudioWorklet, over the API's WebSocket) sends the microphone as 20 ms frames of 48 kHz 16-bit
 * PCM and hears the far end in the same frames. The call's media clock takes one microphone frame
 * per tick (silence when none has come) and hands the client each frame it plays.
 *
 * The queue is short: a client that sends faster than real time, or in bursts longer than
 * LIVE_QUEUE_FRAMES, loses its oldest frames (counted), so the delay it adds stays bounded.
 */

// Only the jitter buffer's constants (and a type): the SDK uses the frame codec below, and must not load Opus.
import { FRAME_MS, SAMPLES_PER_MS } from './jitter-buffer.js';
import type { Frame } from './opus-codec.js';

const FRAME_SAMPLES = FRAME_MS * SAMPLES_PER_MS;

/** Microphone frames held at most (200 ms). */
export const LIVE_QUEUE_FRAMES = 10;
/** One frame on the wire: 960 samples of 16-bit little-endian PCM. */
export const LIVE_FRAME_BYTES = FRAME_SAMPLES * 2;

/** What a live audio port counted. */
export interface LiveAudioStats {
  framesIn: number;
  /** Microphone frames dropped because the queue was full. */
  dropped: number;
  /** Turns with no microphone frame (played as silence). */
  starved: number;
  framesOut: number;
}

/** One client's live audio on one call (or a conference's host). */
export class LiveAudio {
  readonly stats: LiveAudioStats = { framesIn: 0, dropped: 0, starved: 0, framesOut: 0 };
  private readonly queue: Frame[] = [];
  private closed = false;

  constructor(
    /** Each frame the call plays, as it plays it. */
    private readonly onHeard: (frame: Frame) => void,
    /** The call ended (or another client took its audio). */
    private readonly onClose: (reason: string) => void,
  ) {}

  /** A microphone frame from the client (exactly LIVE_FRAME_BYTES of 16-bit little-endian PCM); false for one of another size (not taken). */
  push(bytes: Uint8Array): boolean {
    if (this.closed || bytes.byteLength !== LIVE_FRAME_BYTES) return false;
    this.queue.push(pcmSamples(bytes));
    this.stats.framesIn++;
    if (this.queue.length > LIVE_QUEUE_FRAMES) {
      this.queue.shift();
      this.stats.dropped++;
    }
    return true;
  }

  /** The call's next frame to send: the oldest microphone frame, or silence. */
  next(): Frame {
    const frame = this.queue.shift();
    if (frame) return frame;
    this.stats.starved++;
    return new Int16Array(FRAME_SAMPLES);
  }

  /** A frame the call played. */
  heard(frame: Frame): void {
    if (this.closed) return;
    this.stats.framesOut++;
    this.onHeard(frame);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.onClose(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** Samples as they go on the socket: 16-bit little-endian PCM. */
export function frameBytes(frame: Int16Array): Uint8Array {
  const out = new Uint8Array(frame.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < frame.length; i++) view.setInt16(i * 2, frame[i] as number, true);
  return out;
}

/** 16-bit little-endian PCM from the socket as samples (an odd last byte is left out). */
export function pcmSamples(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.byteLength >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}
