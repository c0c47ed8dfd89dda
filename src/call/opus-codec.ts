/**
 * Opus for calls (libopus through `@discordjs/opus`, built from source at install): 48 kHz mono,
 * 20 ms frames, variable bitrate around OPUS_BITRATE, tuned for voice, with discontinuous
 * transmission (DTX: in silence the encoder says so in a packet of a byte or two, which is not
 * sent at all, except the comfort-noise update it makes every 400 ms).
 *
 * Loss: the binding's decoder takes whole packets only (it cannot be asked for a packet's in-band
 * FEC data, nor for concealment of one frame's length), so a lost frame is rebuilt from the copy of
 * it that the next packet carries (media-stream.ts: redundancy in the manner of RFC 2198, as
 * WebRTC's opus/red does), and concealed here otherwise: the last frame played again, fading.
 */

import { createRequire } from 'node:module';
import type * as OpusModule from '@discordjs/opus';

/**
 * The binding, loaded with an empty command line: its loader (node-pre-gyp's `find`) parses
 * process.argv for options of its own, and a command's `--dir DIR` sends it looking for the
 * binding under DIR.
 */
const opus = ((): typeof OpusModule => {
  const argv = process.argv;
  process.argv = argv.slice(0, 2);
  try {
    return createRequire(import.meta.url)('@discordjs/opus') as typeof OpusModule;
  } finally {
    process.argv = argv;
  }
})();

/** 48 kHz mono, 20 ms frames. */
export const SAMPLE_RATE = 48_000;
export const FRAME_SAMPLES = 960;
/** The target bitrate of voice (VBR moves around it). */
export const OPUS_BITRATE = 28_000;
/** Encoder complexity (0-10): 8 costs a fraction of the top setting's CPU for nearly its quality. */
export const OPUS_COMPLEXITY = 8;
/** A packet this short is the encoder's "silence" under DTX (not sent). */
export const DTX_PACKET_MAX_BYTES = 2;
/** Each concealed frame in a row is this much quieter than the one before. */
export const CONCEAL_FADE = 0.6;

// libopus request numbers (opus_defines.h).
const OPUS_SET_APPLICATION = 4000;
const OPUS_APPLICATION_VOIP = 2048;
const OPUS_SET_VBR = 4006;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_DTX = 4016;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_VOICE = 3001;

/** One frame of PCM: FRAME_SAMPLES signed 16-bit samples. */
export type Frame = Int16Array;

/** A voice encoder: a frame in, an Opus packet out (null: DTX silence, send nothing). */
export class VoiceEncoder {
  private readonly enc = new opus.OpusEncoder(SAMPLE_RATE, 1);
  /** Frames encoded, and packets the encoder said were silence. */
  frames = 0;
  silent = 0;

  constructor(bitrate = OPUS_BITRATE, complexity = OPUS_COMPLEXITY) {
    this.enc.applyEncoderCTL(OPUS_SET_APPLICATION, OPUS_APPLICATION_VOIP);
    this.enc.applyEncoderCTL(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    this.enc.applyEncoderCTL(OPUS_SET_VBR, 1);
    this.enc.applyEncoderCTL(OPUS_SET_DTX, 1);
    this.enc.applyEncoderCTL(OPUS_SET_COMPLEXITY, complexity);
    this.enc.setBitrate(bitrate);
  }

  encode(frame: Frame): Uint8Array | null {
    if (frame.length !== FRAME_SAMPLES) throw new RangeError(`a frame is ${FRAME_SAMPLES} samples, not ${frame.length}`);
    this.frames++;
    const packet = this.enc.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    if (packet.length <= DTX_PACKET_MAX_BYTES) {
      this.silent++;
      return null;
    }
    return new Uint8Array(packet);
  }
}

/** A voice decoder: packets to frames, and a frame of concealment for a packet that never came. */
export class VoiceDecoder {
  private readonly dec = new opus.OpusEncoder(SAMPLE_RATE, 1);
  private last: Frame = new Int16Array(FRAME_SAMPLES);
  private fade = 1;
  /** Packets that did not decode (counted, concealed instead). */
  bad = 0;

  /** The frame of this packet; a packet that does not decode is concealed (and counted). */
  decode(packet: Uint8Array): Frame {
    let pcm: Buffer;
    try {
      pcm = this.dec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
    } catch {
      this.bad++;
      return this.conceal();
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    const samples = Math.min(FRAME_SAMPLES, pcm.length >> 1);
    for (let i = 0; i < samples; i++) frame[i] = pcm.readInt16LE(i * 2);
    this.last = frame;
    this.fade = 1;
    return frame;
  }

  /** A frame standing in for a lost one: the last frame again, a little quieter each time. */
  conceal(): Frame {
    this.fade *= CONCEAL_FADE;
    const out = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = Math.round((this.last[i] as number) * this.fade);
    return out;
  }

  /** A frame of silence (a DTX pause): the decoder's concealment fades out over it. */
  silence(): Frame {
    this.fade = 0;
    return new Int16Array(FRAME_SAMPLES);
  }
}
