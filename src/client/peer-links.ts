/**
 * Direct sessions between devices (issue #6: a message "goes directly between devices when they
 * can reach each other"). One UDP socket per device, dual-stack where the host has IPv6, runs a
 * session endpoint on the device's Noise key with its CA certificate in the handshake payload;
 * every peer's certificate is checked during the handshake (this network's CA, a device
 * certificate, valid now, naming the very key the session runs on): a peer whose certificate does
 * not hold gets no answer (as responder) or no session (as initiator).
 *
 * The initiator already holds the responder's certified static key (from its verified directory
 * record), so the handshake is the same Noise IK as supernode sessions (one round trip, the
 * responder's identity hidden from observers) rather than XX: both sides are authenticated by
 * their keys and by the certificates in the payloads.
 *
 * On a session a device sends envelopes (peer-messages.ts) and waits for each one's answer; the
 * receiver answers once the envelope is stored (or was seen before), and refuses beyond its rate
 * per sending device. `link(key, candidates)` dials a record's candidates in turn; the chat engine
 * sends on a link only once it is up, and through supernodes otherwise (device-runtime.ts).
 *
 * The same socket answers nothing but sessions; it asks supernodes' STUN binding (shared with their
 * session port) for this device's reflexive address.
 */

import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';

import type { KeyPair } from '../crypto/noise/index.js';
import { verifyCertificate } from '../login/certificate.js';
import { checkUsername } from '../login/username.js';
import { exchangeBinding, type BindingExchange } from '../stun/binding-exchange.js';
import { looksLikeStun } from '../stun/message.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { SessionEndpoint, type SessionEvent } from '../transport/endpoint.js';
import type { SessionLimits } from '../transport/session-limits.js';
import { TokenBuckets } from '../util/token-buckets.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { hostCandidates } from './candidates.js';
import { PEER_PROTOCOL, PeerAck, PeerEnvelope } from './peer-messages.js';

/** How long one candidate may take to complete the handshake before the next is dialed. */
export const PEER_CANDIDATE_WAIT_MS = 1_000;
/** Candidates dialed at most per attempt (a record holds up to 16). */
export const PEER_CANDIDATES_TRIED_MAX = 4;
/** How long a sent envelope waits for its answer before the sender falls back to supernodes. */
export const PEER_ACK_WAIT_MS = 3_000;
/** After a failed attempt the same candidates are not dialed again for this long. */
export const PEER_RETRY_MS = 30_000;
/** Envelopes a device takes from one other device per second, sustained, and in a burst. */
export const PEER_ENVELOPES_PER_SECOND = 50;
export const PEER_ENVELOPES_BURST = 200;
/** Envelopes sent and waiting for answers at most. */
export const PEER_WAITING_MAX = 10_000;
/** Devices whose rate or failure is remembered at most (least recently used forgotten first). */
export const PEER_REMEMBERED_MAX = 10_000;

/** The other device of a session, from its checked certificate. */
export interface PeerDevice {
  readonly account: string;
  readonly deviceId: Uint8Array;
}

/** What the links counted. */
export interface PeerLinkStats {
  /** Envelopes sent on a link and answered as taken. */
  sent: number;
  /** Envelopes received on a link and taken. */
  received: number;
  /** Envelopes refused here (unreadable, or over the sender's rate). */
  refusedEnvelopes: number;
  /** Sessions closed because their certificate did not hold. */
  refusedSessions: number;
  /** Messages on a session that did not decode. */
  malformed: number;
  /** Attempts to link that reached no candidate. */
  unreachable: number;
}

/** How the links start. */
export interface PeerLinksOptions {
  readonly noiseKey: KeyPair;
  readonly certificate: Uint8Array;
  readonly caPublicKey: Uint8Array;
  readonly network: string;
  /** Local port (0, the default, lets the system choose). */
  readonly port?: number;
  /** An envelope from `from`; resolves true once it is stored or known, false if it is refused. */
  readonly onEnvelope: (blob: Uint8Array, from: PeerDevice) => Promise<boolean>;
  readonly limits?: Partial<SessionLimits>;
  /** The clock (milliseconds) of rates, retries and certificate checks; Date.now by default. */
  readonly clock?: () => number;
}

interface LinkState {
  readonly session: number;
  /** The other device's Noise key, hex. */
  readonly key: string;
  peer: PeerDevice | null;
  readonly ready: Array<(ok: boolean) => void>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** A dual-stack socket sends to IPv4 peers by their IPv4-mapped address. */
const dialable = (host: string, dualStack: boolean): string => (dualStack && !host.includes(':') ? `::ffff:${host}` : host);

/** One device's direct sessions. */
export class PeerLinks {
  readonly stats: PeerLinkStats = { sent: 0, received: 0, refusedEnvelopes: 0, refusedSessions: 0, malformed: 0, unreachable: 0 };
  private readonly endpoint: SessionEndpoint;
  private driver: UdpDriver | null = null;
  private dualStack = false;
  private readonly links = new Map<number, LinkState>();
  private readonly byKey = new Map<string, number>();
  private readonly connecting = new Map<string, Promise<boolean>>();
  private readonly failed = new Map<string, number>();
  private readonly waiting = new Map<number, (accepted: boolean) => void>();
  private readonly stun = new Set<BindingExchange>();
  /** Devices whose handshake was accepted, by Noise key (hex), until their session is established or forgotten. */
  private readonly accepted = new Map<string, PeerDevice>();
  private readonly clock: () => number;
  private readonly buckets = new TokenBuckets({ perSecond: PEER_ENVELOPES_PER_SECOND, burst: PEER_ENVELOPES_BURST, keysMax: PEER_REMEMBERED_MAX });
  private nextRequest = 1;
  private closed = false;

  private constructor(private readonly o: PeerLinksOptions) {
    this.clock = o.clock ?? Date.now;
    this.endpoint = new SessionEndpoint({
      staticKey: o.noiseKey,
      random,
      application: o.certificate,
      // A peer whose certificate does not hold gets no session: its initiation goes unanswered.
      accept: (remoteStatic, application, now) => {
        const peer = this.check(application, remoteStatic, now);
        if (peer === null) {
          this.stats.refusedSessions++;
          return false;
        }
        // Kept for the `established` event that follows (the certificate is checked once).
        this.accepted.set(hex(remoteStatic), peer);
        return true;
      },
      ...(o.limits ? { limits: o.limits } : {}),
    });
  }

  /** Opens the socket: dual-stack on every address where the host has IPv6, IPv4 only otherwise. */
  static async open(o: PeerLinksOptions): Promise<PeerLinks> {
    const links = new PeerLinks(o);
    const shared = {
      accepts: looksLikeStun,
      answer: (datagram: Uint8Array): null => {
        for (const exchange of links.stun) exchange.offer(datagram);
        return null;
      },
    };
    const onEvent = (e: SessionEvent): void => links.onEvent(e);
    try {
      links.driver = await UdpDriver.open({ endpoint: links.endpoint, host: '::', port: o.port ?? 0, onEvent, shared, clock: links.clock });
      links.dualStack = true;
    } catch {
      links.driver = await UdpDriver.open({ endpoint: links.endpoint, host: '0.0.0.0', port: o.port ?? 0, onEvent, shared, clock: links.clock });
    }
    return links;
  }

  /** The local UDP port. */
  get port(): number {
    if (!this.driver) throw new Error('the links are closed');
    return this.driver.local.port;
  }

  /** Whether the socket reaches IPv6 addresses (dual-stack). */
  get ipv6(): boolean {
    return this.dualStack;
  }

  /** This device's host candidates on the links' port (loopback ones only on a loopback network). */
  hostCandidates(options: { loopback: boolean }): string[] {
    return hostCandidates(networkInterfaces(), this.port, { loopback: options.loopback, ipv6: this.dualStack });
  }

  /** A renewed certificate: new sessions carry it. */
  setCertificate(certificate: Uint8Array): void {
    this.endpoint.setApplication(certificate);
  }

  /** Asks a STUN binding server (a supernode's UDP port) which address this socket is seen from; null when it does not answer. */
  async reflexive(server: { host: string; port: number }): Promise<{ host: string; port: number } | null> {
    const driver = this.driver;
    if (!driver || this.closed) return null;
    const exchange = exchangeBinding((bytes) => driver.sendRaw(bytes, dialable(server.host, this.dualStack), server.port), random);
    this.stun.add(exchange);
    try {
      return await exchange.result;
    } finally {
      this.stun.delete(exchange);
    }
  }

  /** Devices with a checked session up. */
  get linkedCount(): number {
    let n = 0;
    for (const s of this.links.values()) if (s.peer !== null) n++;
    return n;
  }

  /** Whether a checked session to the device with this Noise key is up. */
  isLinked(noiseKey: Uint8Array): boolean {
    const session = this.byKey.get(hex(noiseKey));
    const peer = session === undefined ? null : (this.links.get(session)?.peer ?? null);
    return peer !== null;
  }

  /**
   * A link to the device with this Noise key: the session that is up, or one dialed to its
   * candidates in turn (each given PEER_CANDIDATE_WAIT_MS). False when none answers; the same
   * candidates are then not dialed again for PEER_RETRY_MS.
   */
  link(noiseKey: Uint8Array, candidates: readonly { host: string; port: number }[]): Promise<boolean> {
    const key = hex(noiseKey);
    if (this.isLinked(noiseKey)) return Promise.resolve(true);
    const attempt = `${key} ${candidates.map((c) => `${c.host}/${c.port}`).join(' ')}`;
    const failedAt = this.failed.get(attempt);
    if (this.closed || candidates.length === 0 || (failedAt !== undefined && this.clock() - failedAt < PEER_RETRY_MS)) return Promise.resolve(false);
    let p = this.connecting.get(key);
    if (!p) {
      p = this.dial(noiseKey, candidates.slice(0, PEER_CANDIDATES_TRIED_MAX)).then((ok) => {
        this.connecting.delete(key);
        this.failed.delete(attempt);
        if (!ok) {
          this.stats.unreachable++;
          this.failed.set(attempt, this.clock());
          if (this.failed.size > PEER_REMEMBERED_MAX) this.failed.delete(this.failed.keys().next().value as string);
        }
        return ok;
      });
      this.connecting.set(key, p);
    }
    return p;
  }

  private async dial(noiseKey: Uint8Array, candidates: readonly { host: string; port: number }[]): Promise<boolean> {
    for (const c of candidates) {
      const driver = this.driver;
      if (!driver || this.closed) return false;
      if (this.isLinked(noiseKey)) return true;
      // A session still handshaking elsewhere (an earlier candidate) makes way for this one.
      const stale = this.byKey.get(hex(noiseKey));
      if (stale !== undefined) this.drop(stale);
      const session = driver.connect(noiseKey, dialable(c.host, this.dualStack), c.port);
      const state = this.state(session, hex(noiseKey));
      const ok = state.peer !== null || (await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), PEER_CANDIDATE_WAIT_MS);
        timer.unref();
        state.ready.push((up) => {
          clearTimeout(timer);
          resolve(up);
        });
      }));
      if (ok) return true;
    }
    const left = this.byKey.get(hex(noiseKey));
    if (left !== undefined && !this.isLinked(noiseKey)) this.drop(left);
    return false;
  }

  /**
   * Sends an envelope on the link to this device (which must be up: `isLinked`) and waits for its
   * answer: true once the other device has taken it, false when it refused, did not answer in
   * PEER_ACK_WAIT_MS, or there is no link.
   */
  send(noiseKey: Uint8Array, blob: Uint8Array): Promise<boolean> {
    const session = this.byKey.get(hex(noiseKey));
    const driver = this.driver;
    if (session === undefined || !driver || !this.isLinked(noiseKey) || this.waiting.size >= PEER_WAITING_MAX) return Promise.resolve(false);
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      // No answer at all: the other device is likely gone, and the session with it (dialed again on need).
      const timer = setTimeout(() => {
        done(false);
        if (this.byKey.get(hex(noiseKey)) === session) this.drop(session);
      }, PEER_ACK_WAIT_MS);
      timer.unref();
      const done = (accepted: boolean): void => {
        clearTimeout(timer);
        this.waiting.delete(requestId);
        if (accepted) this.stats.sent++;
        resolve(accepted);
      };
      this.waiting.set(requestId, done);
      if (!driver.send(session, encodeMessage(PeerEnvelope.toMessage({ blob }, requestId), { compressed: true }))) done(false);
    });
  }

  private state(session: number, key: string): LinkState {
    let s = this.links.get(session);
    if (!s) {
      s = { session, key, peer: null, ready: [] };
      this.links.set(session, s);
      this.byKey.set(key, session);
    }
    return s;
  }

  private drop(session: number): void {
    this.endpoint.close(session);
    this.forget(session);
  }

  private forget(session: number): void {
    const s = this.links.get(session);
    if (!s) return;
    this.links.delete(session);
    if (this.byKey.get(s.key) === session) this.byKey.delete(s.key);
    this.accepted.delete(s.key);
    for (const r of s.ready.splice(0)) r(false);
  }

  /** The device a session's certificate names, or null when it does not hold. */
  private check(application: Uint8Array, remoteStatic: Uint8Array, now: number): PeerDevice | null {
    const cert = verifyCertificate(application, this.o.caPublicKey, this.o.network, now);
    if (!cert.ok) return null;
    const c = cert.body;
    if (c.kind !== 'device' || c.username === undefined || c.deviceId === undefined || !Buffer.from(c.noiseKey).equals(remoteStatic)) return null;
    const account = checkUsername(c.username);
    return account.ok ? { account: account.key, deviceId: c.deviceId } : null;
  }

  private onEvent(e: SessionEvent): void {
    if (e.type === 'established') {
      // The endpoint let only sessions whose certificate held get this far (accept, above).
      const key = hex(e.remoteStatic);
      const s = this.state(e.session, key);
      const peer = this.accepted.get(key);
      this.accepted.delete(key);
      if (!peer) return this.drop(e.session);
      s.peer = peer;
      for (const r of s.ready.splice(0)) r(true);
    } else if (e.type === 'closed') {
      this.forget(e.session);
    } else if (e.type === 'message') {
      this.onMessage(e.session, e.payload);
    }
  }

  private onMessage(session: number, payload: Uint8Array): void {
    const s = this.links.get(session);
    const peer = s?.peer;
    if (!peer) return;
    const decoded = decodeMessage(payload);
    const m = decoded.ok ? PEER_PROTOCOL.decode(decoded.value) : null;
    if (!m?.ok) {
      this.stats.malformed++;
      return;
    }
    const { requestId } = m.value;
    if (m.value.name === 'peer-ack') {
      this.waiting.get(requestId)?.(m.value.value.accepted);
      return;
    }
    const answer = (accepted: boolean): void => {
      if (accepted) this.stats.received++;
      else this.stats.refusedEnvelopes++;
      this.driver?.send(session, encodeMessage(PeerAck.toMessage({ accepted }, requestId)));
    };
    if (!this.buckets.take(`${peer.account} ${hex(peer.deviceId)}`, this.clock())) return answer(false);
    this.o.onEnvelope(m.value.value.blob, peer).then(answer, () => answer(false));
  }

  /** Closes every session and the socket; waiting sends answer false. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const done of [...this.waiting.values()]) done(false);
    for (const session of [...this.links.keys()]) this.forget(session);
    await this.driver?.close();
    this.driver = null;
  }
}
