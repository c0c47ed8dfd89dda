/**
 * One device's audio in one call leg, sans-I/O: frames of PCM in, packets out (`send`); packets
 * in, frames out on the player's clock (`receive`, `play`); the quality of the leg (`quality`).
 *
 * - Packets: a stream id, a sequence number per packet sent and a timestamp in 48 kHz samples,
 *   both from a random start (RFC 3550's fields). In silence the encoder's DTX says so and nothing
 *   is sent (the timestamp still runs, so the receiver plays a pause, not a loss).
 * - Redundancy (RFC 2198's idea, as WebRTC's opus/red): while the other side reports loss, each
 *   packet also carries the previous frame's packet, so a single lost packet is rebuilt whole from
 *   the next one. It goes off after REDUNDANCY_QUIET_REPORTS clean reports in a row and on again at
 *   REDUNDANCY_ON_LOSS.
 * - Reports: every REPORT_INTERVAL_MS a packet carries the receiver's report (received and
 *   expected packets, interarrival jitter, the share of frames not heard) and the round-trip
 *   fields: the sender's clock, and the last clock it got from the other side with how long it
 *   held it. A sender with nothing to send sends a packet with only the report.
 * - Quality: loss, jitter and round-trip time; the mouth-to-ear delay (half the round trip, the
 *   jitter buffer's delay and the codec's); the E-model's rating and MOS (e-model.ts), for what
 *   this side hears and, from the other side's reports, what it hears.
 */

import { randomInt } from 'node:crypto';
import { CODEC_DELAY_MS, mos, rating } from './e-model.js';
import { FRAME_MS, JitterBuffer, type JitterStats } from './jitter-buffer.js';
import { FRAME_SAMPLES, VoiceDecoder, VoiceEncoder, type Frame } from './opus-codec.js';

/** A report rides on a packet this often (and goes alone when nothing else is sent). */
export const REPORT_INTERVAL_MS = 1_000;
/** Redundancy goes on when a report shows this share of packets lost (per cent)... */
export const REDUNDANCY_ON_LOSS = 1;
/** ... and off after this many reports in a row under REDUNDANCY_OFF_LOSS. */
export const REDUNDANCY_OFF_LOSS = 0.5;
export const REDUNDANCY_QUIET_REPORTS = 5;

/** A media packet's fields (call-messages.ts's PeerMedia, without the call id). */
export interface MediaPacket {
  readonly stream: number;
  readonly seq: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
  readonly redundant?: Uint8Array;
  readonly report?: MediaReport;
}

export interface MediaReport {
  readonly received: number;
  readonly expected: number;
  readonly jitter: number;
  readonly unheard: number;
  readonly sentAt: number;
  readonly echo?: number;
  readonly held?: number;
}

/** A leg's quality, as shown live and kept in the call history. */
export interface LegQuality {
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Packets lost on the way to this side, per cent of those expected. */
  readonly lossPercent: number;
  /** Frames this side did not hear (concealed), per cent of frames played. */
  readonly unheardPercent: number;
  readonly fecRecovered: number;
  readonly concealed: number;
  readonly late: number;
  readonly jitterMs: number;
  readonly rttMs: number | null;
  readonly bufferMs: number;
  readonly mouthToEarMs: number;
  readonly rating: number;
  readonly mos: number;
  /** From the other side's last report: what it lost and did not hear, and its MOS as this side estimates it. */
  readonly remote: { readonly lossPercent: number; readonly unheardPercent: number; readonly jitterMs: number; readonly mos: number } | null;
  readonly redundancy: boolean;
  readonly bitrateKbps: number;
}

const u32 = (n: number): number => n >>> 0;

/** One leg's audio. */
export class MediaStream {
  readonly stream = randomInt(0, 0xffffffff);
  readonly buffer = new JitterBuffer();
  private readonly encoder: VoiceEncoder;
  private readonly decoder = new VoiceDecoder();
  private seq = randomInt(0, 0x10000);
  private timestamp = randomInt(0, 0xffffffff);
  /** The previous frame's packet (redundancy), when it was the frame just before. */
  private previous: Uint8Array | null = null;
  private redundancy = true;
  private quietReports = 0;
  private lastReportAt = -Infinity;
  private packetsSent = 0;
  private bytesSent = 0;
  private firstSendAt: number | null = null;
  // Receiving.
  private theirStream: number | null = null;
  private received = 0;
  private firstSeq: number | null = null;
  private highestSeq = 0;
  private seqCycles = 0;
  private jitter = 0;
  private lastTransit: number | null = null;
  /** The other side's last clock value and when it came (for the round trip). */
  private theirClock: { value: number; at: number } | null = null;
  private rtt: number | null = null;
  private theirReport: MediaReport | null = null;
  /** Their last report's counts (redundancy decides on the loss since the one before). */
  private lastCounts = { received: 0, expected: 0 };
  /** Frames this side did not hear (concealed, or nothing to play in the middle of speech). */
  private unheard = 0;
  /** Packets from a stream that is not this leg's (counted, dropped). */
  foreign = 0;
  /** The sequence number of the frame played last (its own or rebuilt), for delay measurements. */
  lastPlayedSeq: number | null = null;

  constructor(encoder = new VoiceEncoder()) {
    this.encoder = encoder;
  }

  /**
   * The packet for one frame of the microphone (null: held, nothing to say); null when there is
   * nothing to send (a pause under DTX, no report due). `now` in ms.
   */
  send(frame: Frame | null, now: number): MediaPacket | null {
    this.firstSendAt ??= now;
    const packet = frame ? this.encoder.encode(frame) : null;
    const timestamp = this.timestamp;
    this.timestamp = u32(this.timestamp + FRAME_SAMPLES);
    const reportDue = now - this.lastReportAt >= REPORT_INTERVAL_MS;
    if (!packet) {
      this.previous = null;
      // Silence or hold: only a report, once a period.
      if (!reportDue) return null;
    }
    const out: MediaPacket = {
      stream: this.stream,
      // A report alone takes no sequence number (it is no frame the receiver could miss).
      seq: packet ? this.seq : (this.seq - 1) & 0xffff,
      timestamp,
      payload: packet ?? new Uint8Array(0),
      ...(packet && this.redundancy && this.previous ? { redundant: this.previous } : {}),
      ...(reportDue ? { report: this.report(now) } : {}),
    };
    if (reportDue) this.lastReportAt = now;
    this.previous = packet;
    if (packet) this.seq = (this.seq + 1) & 0xffff;
    this.packetsSent++;
    this.bytesSent += out.payload.length + (out.redundant?.length ?? 0);
    return out;
  }

  private report(now: number): MediaReport {
    const played = this.buffer.stats.played;
    return {
      received: u32(this.received),
      expected: u32(this.expected()),
      jitter: u32(Math.round(this.jitter * 10)),
      unheard: played > 0 ? Math.min(1000, Math.round((this.unheard / played) * 1000)) : 0,
      sentAt: u32(now),
      ...(this.theirClock ? { echo: this.theirClock.value, held: u32(Math.round(now - this.theirClock.at)) } : {}),
    };
  }

  private expected(): number {
    return this.firstSeq === null ? 0 : this.seqCycles * 0x10000 + this.highestSeq - this.firstSeq + 1;
  }

  /** A packet of the other side's stream arrived at `now`. */
  receive(p: MediaPacket, now: number): void {
    if (this.theirStream === null) this.theirStream = p.stream;
    if (p.stream !== this.theirStream) {
      this.foreign++;
      return;
    }
    if (p.report) this.onReport(p.report, now);
    if (p.payload.length === 0) return;
    this.received++;
    if (this.firstSeq === null) {
      this.firstSeq = p.seq;
      this.highestSeq = p.seq;
    } else {
      const ahead = (p.seq - this.highestSeq) & 0xffff;
      if (ahead > 0 && ahead < 0x8000) {
        if (p.seq < this.highestSeq) this.seqCycles++;
        this.highestSeq = p.seq;
      }
    }
    // RFC 3550 6.4.1: J += (|D| - J) / 16, D the change in transit time.
    const transit = now - p.timestamp / 48;
    if (this.lastTransit !== null) {
      const d = Math.abs(transit - this.lastTransit);
      // A timestamp wrap or a pause's jump is not jitter.
      if (d < 1_000) this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
    this.buffer.push({ seq: p.seq, timestamp: p.timestamp, payload: p.payload, ...(p.redundant ? { redundant: p.redundant } : {}) }, now);
  }

  private onReport(r: MediaReport, now: number): void {
    this.theirClock = { value: r.sentAt, at: now };
    if (r.echo !== undefined && r.held !== undefined) {
      const rtt = u32(u32(now) - r.echo - r.held);
      if (rtt < 60_000) this.rtt = this.rtt === null ? rtt : this.rtt * 0.7 + rtt * 0.3;
    }
    const expected = r.expected - this.lastCounts.expected;
    const received = r.received - this.lastCounts.received;
    this.lastCounts = { received: r.received, expected: r.expected };
    const loss = expected > 0 ? Math.max(0, (100 * (expected - received)) / expected) : 0;
    if (loss >= REDUNDANCY_ON_LOSS) {
      this.redundancy = true;
      this.quietReports = 0;
    } else if (loss < REDUNDANCY_OFF_LOSS && ++this.quietReports >= REDUNDANCY_QUIET_REPORTS) {
      this.redundancy = false;
    }
    this.theirReport = r;
  }

  /** The frame to play now, or null before the first frame's turn. Call every FRAME_MS. */
  play(now: number): Frame | null {
    const out = this.buffer.pull(now);
    if ('seq' in out) this.lastPlayedSeq = out.seq;
    switch (out.type) {
      case 'wait':
        return null;
      case 'frame':
        return this.decoder.decode(out.payload);
      case 'fec':
        return this.decoder.decode(out.payload);
      case 'conceal':
        this.unheard++;
        return this.decoder.conceal();
      case 'silence':
        return this.decoder.silence();
      case 'empty':
        return this.decoder.conceal();
    }
  }

  /** This leg's quality now. */
  quality(now: number): LegQuality {
    const s: JitterStats = this.buffer.stats;
    const expected = this.expected();
    const lossPercent = expected > 0 ? Math.max(0, (100 * (expected - this.received)) / expected) : 0;
    const unheardPercent = s.played > 0 ? (100 * this.unheard) / s.played : 0;
    const halfRtt = (this.rtt ?? 0) / 2;
    const mouthToEarMs = halfRtt + this.buffer.currentDelayMs + CODEC_DELAY_MS;
    const r = rating(mouthToEarMs, unheardPercent);
    const their = this.theirReport;
    const remote = their
      ? (() => {
          const theirLoss = their.expected > 0 ? Math.max(0, (100 * (their.expected - their.received)) / their.expected) : 0;
          const theirJitter = their.jitter / 10;
          // Their buffer is not reported: taken as covering twice their jitter, at least a frame.
          const theirDelay = halfRtt + Math.max(FRAME_MS, 2 * theirJitter) + CODEC_DELAY_MS;
          return { lossPercent: round(theirLoss), unheardPercent: their.unheard / 10, jitterMs: round(theirJitter), mos: round(mos(rating(theirDelay, their.unheard / 10)), 2) };
        })()
      : null;
    const seconds = this.firstSendAt === null ? 0 : (now - this.firstSendAt) / 1000;
    return {
      packetsSent: this.packetsSent,
      packetsReceived: this.received,
      lossPercent: round(lossPercent),
      unheardPercent: round(unheardPercent),
      fecRecovered: s.fecRecovered,
      concealed: s.concealed,
      late: s.late,
      jitterMs: round(this.jitter),
      rttMs: this.rtt === null ? null : round(this.rtt),
      bufferMs: this.buffer.currentDelayMs,
      mouthToEarMs: round(mouthToEarMs),
      rating: round(r),
      mos: round(mos(r), 2),
      remote,
      redundancy: this.redundancy,
      bitrateKbps: seconds > 0 ? round((this.bytesSent * 8) / seconds / 1000) : 0,
    };
  }
}

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));
