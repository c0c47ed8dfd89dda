/**
 * The far end's AudioWorklet: plays the 20 ms frames the daemon sends (16-bit PCM at 48 kHz) from
 * a short queue. It starts, and starts again after running dry, once PLAYER_START_FRAMES have come,
 * and skips the oldest frame when more than PLAYER_QUEUE_FRAMES wait (the daemon's clock and the
 * sound card's drift apart), so the delay it adds stays between 20 and 120 ms. Tapped, it posts
 * back each 20 ms of what it played (the web client's test hook; see call-audio.ts).
 */
import { FRAME_SAMPLES, fromPcm16, toPcm16 } from './frames';

/** Frames queued before playing (40 ms). */
const PLAYER_START_FRAMES = 2;
/** Frames queued at most (120 ms); beyond, the oldest is skipped. */
const PLAYER_QUEUE_FRAMES = 6;
/** How often the counters go to the page (in frames played: 1 s). */
const STATS_EVERY_FRAMES = 50;

type Control = { tap: boolean };

class PlayerProcessor extends AudioWorkletProcessor {
  private readonly queue: Float32Array[] = [];
  private offset = 0;
  private playing = false;
  private tap = false;
  private readonly tapFrame = new Float32Array(FRAME_SAMPLES);
  private tapFilled = 0;
  private samples = 0;
  private readonly counts = { framesPlayed: 0, underruns: 0, skipped: 0 };

  constructor() {
    super();
    this.port.onmessage = (e: MessageEvent<ArrayBuffer | Control>) => {
      const d = e.data;
      if (d instanceof ArrayBuffer) {
        if (d.byteLength !== FRAME_SAMPLES * 2) return;
        this.queue.push(fromPcm16(new Int16Array(d)));
        if (this.queue.length > PLAYER_QUEUE_FRAMES) {
          this.queue.shift();
          this.offset = 0;
          this.counts.skipped++;
        }
      } else {
        this.tap = d.tap;
      }
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const channels = outputs[0] ?? [];
    const first = channels[0];
    if (!first) return true;
    if (!this.playing && this.queue.length >= PLAYER_START_FRAMES) this.playing = true;
    for (let i = 0; i < first.length; i++) {
      let s = 0;
      const frame = this.playing ? this.queue[0] : undefined;
      if (frame) {
        s = frame[this.offset++] ?? 0;
        if (this.offset >= frame.length) {
          this.queue.shift();
          this.offset = 0;
        }
      } else if (this.playing) {
        this.playing = false;
        this.counts.underruns++;
      }
      for (const c of channels) c[i] = s;
      if (++this.samples === FRAME_SAMPLES) {
        this.samples = 0;
        this.counts.framesPlayed++;
        if (this.counts.framesPlayed % STATS_EVERY_FRAMES === 0) this.port.postMessage({ ...this.counts });
      }
      if (this.tap) {
        this.tapFrame[this.tapFilled++] = s;
        if (this.tapFilled === FRAME_SAMPLES) {
          const pcm = toPcm16(this.tapFrame);
          this.port.postMessage(pcm.buffer, [pcm.buffer]);
          this.tapFilled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor('parley-player', PlayerProcessor);
