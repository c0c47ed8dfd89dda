/**
 * The microphone's AudioWorklet: gathers the render quanta (128 samples at 48 kHz) into 20 ms
 * frames of 16-bit PCM and posts each to the page, which sends it to the daemon. Muted, it sends
 * silence (the daemon is told of the mute too; silence keeps its media clock fed).
 */
import { FRAME_SAMPLES, toPcm16 } from './frames';

class MicProcessor extends AudioWorkletProcessor {
  private readonly frame = new Float32Array(FRAME_SAMPLES);
  private filled = 0;
  private muted = false;

  constructor() {
    super();
    this.port.onmessage = (e: MessageEvent<{ muted: boolean }>) => {
      this.muted = e.data.muted;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const first = channels[0];
    if (!first) return true;
    for (let i = 0; i < first.length; i++) {
      // Mono: the mean of the channels.
      let s = 0;
      for (const c of channels) s += c[i] ?? 0;
      this.frame[this.filled++] = this.muted ? 0 : s / channels.length;
      if (this.filled === FRAME_SAMPLES) {
        const pcm = toPcm16(this.frame);
        this.port.postMessage(pcm.buffer, [pcm.buffer]);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('parley-mic', MicProcessor);
