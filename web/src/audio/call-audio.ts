/**
 * A call's audio in the browser (issue #9's audio path): the microphone, through getUserMedia with
 * the browser's echo cancellation, noise suppression and gain control, into an AudioWorklet that
 * cuts 20 ms frames of 48 kHz PCM and sends them on the daemon's /v1/calls/{id}/audio WebSocket;
 * the frames that come back are played by a second AudioWorklet on the chosen speakers.
 */

import micWorklet from './mic-worklet.ts?worker&url';
import playerWorklet from './player-worklet.ts?worker&url';
import { FRAME_SAMPLES, SAMPLE_RATE } from './frames';

/** What the speakers played, kept at most (2 minutes) when recording (the tests' hook). */
const RECORD_FRAMES_MAX = 6000;

export interface AudioDevices {
  readonly inputs: readonly MediaDeviceInfo[];
  readonly outputs: readonly MediaDeviceInfo[];
}

/** The microphones and speakers this browser offers (labels once the page may use the microphone). */
export async function listAudioDevices(): Promise<AudioDevices> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return { inputs: all.filter((d) => d.kind === 'audioinput'), outputs: all.filter((d) => d.kind === 'audiooutput') };
}

export interface CallAudioStats {
  readonly framesSent: number;
  readonly framesReceived: number;
  readonly framesPlayed: number;
  readonly underruns: number;
  readonly skipped: number;
}

/** A call's running audio. */
export interface CallAudio {
  /** Sends silence instead of the microphone (the daemon is told through the API as well). */
  setMicMuted(muted: boolean): void;
  /** Another microphone. */
  setInput(deviceId: string): Promise<void>;
  /** Other speakers (where the browser can choose: AudioContext.setSinkId). */
  setOutput(deviceId: string): Promise<void>;
  stats(): CallAudioStats;
  stop(): void;
}

export interface CallAudioOptions {
  readonly inputId?: string;
  readonly outputId?: string;
  /** Keep what the speakers played (bounded), for window.parleyTest. */
  readonly record?: boolean;
  /** The daemon closed the audio (the call ended, or another client took it). */
  readonly onEnd?: (reason: string) => void;
}

/** What a test reads of the page (present when the page was opened with ?record). */
export interface ParleyTestHook {
  /** Frames the speakers played since the call's audio started. */
  framesPlayed(): number;
  /** What they played, 16-bit PCM at 48 kHz, base64. */
  heard(): string;
}

declare global {
  interface Window {
    parleyTest?: ParleyTestHook;
  }
}

const constraints = (deviceId: string | undefined): MediaStreamConstraints => ({
  audio: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
});

/** Waits for a WebSocket to open; rejects with the reason it closed with instead. */
function opened(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onclose = (e) => reject(new Error(e.reason || 'the daemon refused the call audio'));
  });
}

/**
 * Starts a call's audio on the daemon's socket at `socketUrl`. The microphone is opened once the
 * socket is (nothing is captured before it can be sent).
 */
export async function startCallAudio(socketUrl: string, options: CallAudioOptions = {}): Promise<CallAudio> {
  const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
  const socket = new WebSocket(socketUrl);
  socket.binaryType = 'arraybuffer';
  // Listened to now: on loopback the socket may open while the worklets load.
  const open = opened(socket);
  open.catch(() => {});
  let stream: MediaStream | null = null;
  let mic: AudioWorkletNode;
  let player: AudioWorkletNode;
  let source: MediaStreamAudioSourceNode;
  try {
    await context.audioWorklet.addModule(micWorklet);
    await context.audioWorklet.addModule(playerWorklet);
    await open;
    stream = await navigator.mediaDevices.getUserMedia(constraints(options.inputId));
    if (socket.readyState !== WebSocket.OPEN) throw new Error('the daemon closed the call audio');
    source = context.createMediaStreamSource(stream);
    mic = new AudioWorkletNode(context, 'parley-mic', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
    player = new AudioWorkletNode(context, 'parley-player', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    // The microphone's node is pulled through a silent gain, so that it runs.
    const sink = context.createGain();
    sink.gain.value = 0;
    source.connect(mic);
    mic.connect(sink).connect(context.destination);
    player.connect(context.destination);
    if (options.outputId) await setSink(context, options.outputId);
  } catch (e) {
    stream?.getTracks().forEach((t) => t.stop());
    socket.close();
    void context.close();
    throw e;
  }
  // A browser that wants a gesture first (a page reloaded during a call) keeps the context
  // suspended: it runs from the next click or key on the page.
  const wake = (): void => void context.resume().catch(() => {});
  void context.resume().catch(() => {});
  if (context.state !== 'running') {
    document.addEventListener('pointerdown', wake, { once: true });
    document.addEventListener('keydown', wake, { once: true });
  }

  const counts = { framesSent: 0, framesReceived: 0, framesPlayed: 0, underruns: 0, skipped: 0 };
  const recorded: Int16Array[] = [];
  let stopped = false;
  socket.onmessage = (m: MessageEvent<ArrayBuffer | string>) => {
    if (!(m.data instanceof ArrayBuffer) || m.data.byteLength !== FRAME_SAMPLES * 2) return;
    counts.framesReceived++;
    player.port.postMessage(m.data, [m.data]);
  };
  socket.onclose = (e) => {
    if (!stopped) options.onEnd?.(e.reason || 'the audio connection closed');
  };
  mic.port.onmessage = (m: MessageEvent<ArrayBuffer>) => {
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(m.data);
      counts.framesSent++;
    }
  };
  player.port.onmessage = (m: MessageEvent<ArrayBuffer | { framesPlayed: number; underruns: number; skipped: number }>) => {
    const d = m.data;
    if (d instanceof ArrayBuffer) {
      if (recorded.length < RECORD_FRAMES_MAX) recorded.push(new Int16Array(d));
    } else {
      Object.assign(counts, d);
    }
  };
  if (options.record) {
    player.port.postMessage({ tap: true });
    window.parleyTest = {
      framesPlayed: () => recorded.length,
      heard: () => {
        const all = new Int16Array(recorded.length * FRAME_SAMPLES);
        recorded.forEach((f, i) => all.set(f, i * FRAME_SAMPLES));
        let text = '';
        const bytes = new Uint8Array(all.buffer);
        for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(text);
      },
    };
  }

  return {
    setMicMuted: (muted) => mic.port.postMessage({ muted }),
    setInput: async (deviceId) => {
      const next = await navigator.mediaDevices.getUserMedia(constraints(deviceId));
      source.disconnect();
      stream?.getTracks().forEach((t) => t.stop());
      stream = next;
      source = context.createMediaStreamSource(next);
      source.connect(mic);
    },
    setOutput: (deviceId) => setSink(context, deviceId),
    stats: () => ({ ...counts }),
    stop: () => {
      if (stopped) return;
      stopped = true;
      socket.close(1000, 'the page hung up');
      document.removeEventListener('pointerdown', wake);
      document.removeEventListener('keydown', wake);
      stream?.getTracks().forEach((t) => t.stop());
      void context.close();
    },
  };
}

/** Chooses the speakers where the browser allows it (Chromium 110 and later). */
async function setSink(context: AudioContext, deviceId: string): Promise<void> {
  const withSink = context as AudioContext & { setSinkId?: (id: string) => Promise<void> };
  if (withSink.setSinkId) await withSink.setSinkId(deviceId === 'default' ? '' : deviceId);
}
