/**
 * The session core, sans-I/O (STYLE.md): one endpoint holds the sessions of one local identity
 * (static key). Drivers feed it datagrams with `handle(datagram, from, now)`, call
 * `handleTimeout(now)` at `nextDeadline()`, and send what `poll()` returns. It never reads a
 * clock, a socket or Math.random: time comes in as `now` (milliseconds), randomness from `random`.
 *
 * Handshake: Noise IK (the initiator knows the responder's static key), obfuscated as in
 * packet.ts, with WireGuard's defences: mac1 checked before any DH; under load, mac2 from a
 * stateless cookie; a growing timestamp per initiator so replayed initiations are refused; a fresh
 * initiation (new ephemeral) on every retransmission, with exponential backoff.
 *
 * Handshake-layer packets to an endpoint are wrapped under the obfuscation key of *its* static
 * key (the responder learns the initiator's from the initiation); cookie replies, which the
 * responder sends without a DH, under its own, and the initiator matches them by address.
 */

import { type CipherState, HandshakeState, type KeyPair, parseProtocolName, type NoiseProtocol } from '../crypto/noise/index.js';
import { decodeHandshakePayload, encodeHandshakePayload } from './handshake-payload.js';
import { cookieFor, cookieKey, mac, MAC_BYTES, mac1Key, openCookie, sameMac, sealCookie, COOKIE_NONCE_BYTES } from './macs.js';
import {
  HEADER_KEY_BYTES,
  HeaderMask,
  OBFUSCATION_NONCE_BYTES,
  obfuscationKey,
  openTransport,
  PACKET_KIND,
  readTransportHeader,
  sealTransport,
  unwrapHandshake,
  wrapHandshake,
} from './packet.js';
import { pad, unpad } from './padding.js';
import { ReplayWindow } from './replay-window.js';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from './session-limits.js';

/**
 * The Noise protocol of Parley sessions. AESGCM rather than WireGuard's ChaChaPoly: Parley runs on
 * Node on machines with AES instructions, where node:crypto's AES-256-GCM seals and opens a
 * 200-byte payload about 11% faster (measured; docs/transport.md).
 */
export const SESSION_PROTOCOL = 'Noise_IK_25519_AESGCM_BLAKE2s';
/** A driver's name for a remote address ("udp:[::1]:4000"); opaque to the core. */
export type PeerAddress = string;
/** Payloads waiting for a session's keys; beyond this the oldest is dropped and counted. */
export const QUEUED_PAYLOADS_MAX = 64;
/** Initiation timestamps remembered per initiator; beyond this the oldest entries go. */
export const TIMESTAMPS_MAX = 200_000;

/** Why a session ended. */
export type CloseReason = 'closed' | 'idle' | 'handshake-timeout' | 'expired' | 'refused';

/** What the endpoint tells its user. */
export type SessionEvent =
  | { readonly type: 'established'; readonly session: number; readonly remoteStatic: Uint8Array; readonly application: Uint8Array; readonly handshakeHash: Uint8Array }
  | { readonly type: 'message'; readonly session: number; readonly payload: Uint8Array; readonly from: PeerAddress }
  | { readonly type: 'roamed'; readonly session: number; readonly address: PeerAddress }
  | { readonly type: 'closed'; readonly session: number; readonly reason: CloseReason };

/** The kinds of datagram an endpoint sends. */
export type DatagramKind = 'initiation' | 'response' | 'cookie' | 'transport';

/** What poll() returns. */
export type Output =
  | { readonly type: 'datagram'; readonly to: PeerAddress; readonly bytes: Uint8Array; readonly kind: DatagramKind }
  | { readonly type: 'event'; readonly event: SessionEvent };

/** Counters for operators and tests. */
export interface EndpointStats {
  /** Datagrams dropped without any effect (did not authenticate, replayed, malformed). */
  dropped: number;
  handshakesCompleted: number;
  cookiesSent: number;
  transportReceived: number;
  transportSent: number;
  /** Outputs or queued payloads dropped because a named limit was full. */
  overflowDropped: number;
}

/** How an endpoint starts. */
export interface EndpointOptions {
  readonly staticKey: KeyPair;
  /** Random bytes (node:crypto randomBytes in drivers; seeded in tests). */
  readonly random: (n: number) => Uint8Array;
  readonly limits?: Partial<SessionLimits>;
  /** Application data in our handshake messages (for example a certificate). */
  readonly application?: Uint8Array;
  /**
   * Pad transport plaintexts up to the smallest of these sizes that holds them (padding.ts), so
   * packet sizes say less about their content; ascending. Default: none.
   */
  readonly paddingBuckets?: readonly number[];
  /**
   * Whether to accept a peer by its static key and the application data of its handshake message
   * (for example: a certificate that must name that key). A refused initiation is dropped with no
   * answer; a refused response ends the session ('refused'). Default: every peer.
   */
  readonly accept?: (remoteStatic: Uint8Array, application: Uint8Array, now: number) => boolean;
  /**
   * Whether an authenticated packet from a new address moves its session there (roaming, the
   * default). Off, the session stays where it is and its user decides (`moveTo`) from the
   * `from` of each message: a connectivity check must not move a session by getting through.
   */
  readonly roam?: boolean;
}

/** One set of transport keys (a session has its current and, after a rekey, its previous). */
interface Keypair {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly send: CipherState;
  readonly receive: CipherState;
  readonly peerMask: HeaderMask;
  readonly window: ReplayWindow;
  readonly createdAt: number;
  sendCounter: number;
}

interface PendingHandshake {
  readonly hs: HandshakeState;
  readonly localIndex: number;
  /** The first handshake message, kept to resend it with a cookie. */
  readonly msg1: Uint8Array;
  readonly mac1: Uint8Array;
  readonly startedAt: number;
  readonly attempt: number;
  readonly retryAt: number;
  /** Whether this initiation was already resent with a cookie (at most once). */
  cookieResent: boolean;
}

interface Session {
  readonly id: number;
  readonly initiator: boolean;
  readonly remoteStatic: Uint8Array;
  readonly remoteKey: string;
  address: PeerAddress;
  established: boolean;
  current: Keypair | null;
  previous: Keypair | null;
  pending: PendingHandshake | null;
  cookie: { readonly value: Uint8Array; readonly at: number } | null;
  lastSent: number;
  lastReceived: number;
  readonly queued: Uint8Array[];
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** One local identity's sessions. */
export class SessionEndpoint {
  readonly stats: EndpointStats = { dropped: 0, handshakesCompleted: 0, cookiesSent: 0, transportReceived: 0, transportSent: 0, overflowDropped: 0 };
  private readonly limits: SessionLimits;
  private readonly protocol: NoiseProtocol;
  private readonly ownHeaderKey: Uint8Array;
  private readonly ownMask: HeaderMask;
  private readonly ownObfuscationKey: Uint8Array;
  private readonly ownMac1Key: Uint8Array;
  private readonly ownCookieKey: Uint8Array;
  private application: Uint8Array;
  private readonly paddingBuckets: readonly number[];
  private readonly sessions = new Map<number, Session>();
  private readonly byRemote = new Map<string, Session>();
  /** Sessions with a handshake in flight: the only ones a cookie reply can be for. */
  private readonly pendingSessions = new Set<Session>();
  /** Local index -> the session and, once keys exist, the keypair (else a pending handshake). */
  private readonly byIndex = new Map<number, { session: Session; keypair: Keypair | null }>();
  private readonly timestamps = new Map<string, number>();
  private readonly outputs: Output[] = [];
  private nextSessionId = 1;
  private lastTimestampSent = 0;
  private cookieSecret: Uint8Array;
  private previousCookieSecret: Uint8Array | null = null;
  private cookieSecretSince: number | null = null;
  private loadWindowStart = 0;
  private loadCount = 0;

  constructor(private readonly options: EndpointOptions) {
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...options.limits };
    const parsed = parseProtocolName(SESSION_PROTOCOL);
    if (!parsed.ok) throw new Error(parsed.reason);
    this.protocol = parsed.protocol;
    this.ownHeaderKey = options.random(HEADER_KEY_BYTES);
    this.ownMask = new HeaderMask(this.ownHeaderKey);
    this.ownObfuscationKey = obfuscationKey(options.staticKey.publicKey);
    this.ownMac1Key = mac1Key(options.staticKey.publicKey);
    this.ownCookieKey = cookieKey(options.staticKey.publicKey);
    this.application = options.application ?? new Uint8Array(0);
    this.paddingBuckets = [...(options.paddingBuckets ?? [])].sort((a, b) => a - b);
    this.cookieSecret = options.random(32);
  }

  /** New application data for the handshakes from now on (a renewed certificate); sessions made before keep theirs. */
  setApplication(application: Uint8Array): void {
    this.application = Uint8Array.from(application);
  }

  /** Number of sessions held. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Payloads waiting for their sessions' keys (a driver about to close waits for none). */
  get waitingPayloads(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.queued.length;
    return n;
  }

  /** The peer's address of a session, if it exists. */
  addressOf(session: number): PeerAddress | null {
    return this.sessions.get(session)?.address ?? null;
  }

  /** Starts a session to the peer with this static key at `address`; returns its id. */
  connect(remoteStatic: Uint8Array, address: PeerAddress, now: number): number {
    const existing = this.byRemote.get(hex(remoteStatic));
    if (existing) return existing.id;
    if (remoteStatic.length !== 32) throw new RangeError(`a peer's static key is 32 bytes, not ${remoteStatic.length}`);
    const session = this.newSession(true, remoteStatic, address, now);
    try {
      this.startHandshake(session, now, 0);
    } catch (err) {
      // A key the handshake refuses (a low-order point) leaves no session behind.
      this.dropPending(session);
      this.sessions.delete(session.id);
      this.byRemote.delete(session.remoteKey);
      throw new RangeError(`cannot connect to this key: ${(err as Error).message}`);
    }
    return session.id;
  }

  /** Sends `payload` on a session (queued until its keys exist). False if there is no such session or the payload is too large. */
  send(sessionId: number, payload: Uint8Array, now: number): boolean {
    const session = this.sessions.get(sessionId);
    if (!session || payload.length > this.limits.payloadMaxBytes) return false;
    const keys = this.usableKeys(session, now);
    if (keys) {
      this.seal(session, keys, payload, now);
      this.maybeRekey(session, now);
    } else {
      if (session.queued.length >= QUEUED_PAYLOADS_MAX) {
        session.queued.shift();
        this.stats.overflowDropped++;
      }
      session.queued.push(Uint8Array.from(payload));
      if (session.initiator && !session.pending) this.startHandshake(session, now, 0);
    }
    return true;
  }

  /**
   * Sends `payload` on a session's keys to `address` instead of the session's own (a connectivity
   * check on another path); the session stays where it is. False without keys or when too large.
   */
  sendTo(sessionId: number, payload: Uint8Array, address: PeerAddress, now: number): boolean {
    const session = this.sessions.get(sessionId);
    const keys = session ? this.usableKeys(session, now) : null;
    if (!session || !keys || payload.length > this.limits.payloadMaxBytes) return false;
    this.seal(session, keys, payload, now, address);
    return true;
  }

  /**
   * Moves a session to a new peer address on our own side's word (a driver reconnected, or the
   * local network changed). The peer follows when our next packet reaches it (roaming).
   */
  moveTo(sessionId: number, address: PeerAddress): boolean {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    session.address = address;
    return true;
  }

  /** Ends a session. */
  close(sessionId: number): void {
    const session = this.sessions.get(sessionId);
    if (session) this.endSession(session, 'closed');
  }

  /** The next output, or null. */
  poll(): Output | null {
    return this.outputs.shift() ?? null;
  }

  /** Handles one received datagram. Anything that does not authenticate changes nothing but `stats.dropped`. */
  handle(datagram: Uint8Array, from: PeerAddress, now: number): void {
    if (this.handleTransport(datagram, from, now)) return;
    const inner = unwrapHandshake(datagram, this.ownObfuscationKey);
    if (inner?.kind === PACKET_KIND.initiation && this.handleInitiation(inner.body, from, now)) return;
    if (inner?.kind === PACKET_KIND.response && this.handleResponse(inner.body, from, now)) return;
    if (this.handleCookie(datagram, from, now)) return;
    this.stats.dropped++;
  }

  /** When handleTimeout should next be called; null when nothing is scheduled. */
  nextDeadline(): number | null {
    let next = Infinity;
    for (const s of this.sessions.values()) {
      if (s.pending) next = Math.min(next, s.pending.retryAt, s.pending.startedAt + this.limits.handshakeTimeoutMs);
      if (s.established) {
        // Only deadlines that handleTimeout acts on (a deadline it cannot act on would stay in the past).
        next = Math.min(next, s.lastReceived + this.limits.idleTimeoutMs);
        if (s.current) {
          next = Math.min(next, s.lastSent + this.limits.keepaliveMs, s.current.createdAt + this.limits.rejectAfterMs);
          if (s.initiator && !s.pending) next = Math.min(next, s.current.createdAt + this.limits.rekeyAfterMs);
        }
        if (s.previous) next = Math.min(next, s.previous.createdAt + this.limits.rejectAfterMs);
      }
    }
    return next === Infinity ? null : next;
  }

  /** Runs the timers due at `now`: retransmissions, keepalives, rekeys, expiry, idle close. */
  handleTimeout(now: number): void {
    for (const s of [...this.sessions.values()]) {
      if (s.pending && now >= s.pending.startedAt + this.limits.handshakeTimeoutMs) {
        if (!s.established) {
          this.endSession(s, 'handshake-timeout');
          continue;
        }
        this.dropPending(s);
      } else if (s.pending && now >= s.pending.retryAt) {
        this.startHandshake(s, now, s.pending.attempt + 1, s.pending.startedAt);
      }
      if (!s.established) continue;
      if (now - s.lastReceived >= this.limits.idleTimeoutMs) {
        this.endSession(s, 'idle');
        continue;
      }
      if (s.previous && now - s.previous.createdAt >= this.limits.rejectAfterMs) this.retire(s.previous, s, 'previous');
      if (s.current && now - s.current.createdAt >= this.limits.rejectAfterMs) {
        this.retire(s.current, s, 'current');
        if (!s.initiator) {
          this.endSession(s, 'expired');
          continue;
        }
      }
      this.maybeRekey(s, now);
      const keys = this.usableKeys(s, now);
      if (keys && now - s.lastSent >= this.limits.keepaliveMs) this.seal(s, keys, new Uint8Array(0), now);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private emit(output: Output): void {
    if (this.outputs.length >= this.limits.outputQueueMax) {
      this.outputs.shift();
      this.stats.overflowDropped++;
    }
    this.outputs.push(output);
  }

  private newIndex(): number {
    for (;;) {
      const b = this.options.random(4);
      const index = (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0;
      if (!this.byIndex.has(index)) return index;
    }
  }

  private newSession(initiator: boolean, remoteStatic: Uint8Array, address: PeerAddress, now: number): Session {
    const session: Session = {
      id: this.nextSessionId++,
      initiator,
      remoteStatic: Uint8Array.from(remoteStatic),
      remoteKey: hex(remoteStatic),
      address,
      established: false,
      current: null,
      previous: null,
      pending: null,
      cookie: null,
      lastSent: now,
      lastReceived: now,
      queued: [],
    };
    this.sessions.set(session.id, session);
    this.byRemote.set(session.remoteKey, session);
    return session;
  }

  private endSession(s: Session, reason: CloseReason): void {
    this.dropPending(s);
    if (s.current) this.byIndex.delete(s.current.localIndex);
    if (s.previous) this.byIndex.delete(s.previous.localIndex);
    this.sessions.delete(s.id);
    this.byRemote.delete(s.remoteKey);
    this.emit({ type: 'event', event: { type: 'closed', session: s.id, reason } });
  }

  private dropPending(s: Session): void {
    if (s.pending) this.byIndex.delete(s.pending.localIndex);
    s.pending = null;
    this.pendingSessions.delete(s);
  }

  private retire(k: Keypair, s: Session, which: 'current' | 'previous'): void {
    this.byIndex.delete(k.localIndex);
    s[which] = null;
  }

  private usableKeys(s: Session, now: number): Keypair | null {
    const k = s.current;
    return k && now - k.createdAt < this.limits.rejectAfterMs && k.sendCounter < this.limits.rekeyAfterMessages * 2 ? k : null;
  }

  private maybeRekey(s: Session, now: number): void {
    const k = s.current;
    if (!s.initiator || s.pending || !k) return;
    if (now - k.createdAt >= this.limits.rekeyAfterMs || k.sendCounter >= this.limits.rekeyAfterMessages) this.startHandshake(s, now, 0);
  }

  private seal(s: Session, k: Keypair, payload: Uint8Array, now: number, to: PeerAddress = s.address): void {
    const bytes = sealTransport(k.send, k.peerMask, k.remoteIndex, k.sendCounter++, pad(payload, this.paddingBuckets));
    if (to === s.address) s.lastSent = now;
    this.stats.transportSent++;
    this.emit({ type: 'datagram', to, bytes, kind: 'transport' });
  }

  private startHandshake(s: Session, now: number, attempt: number, startedAt = now): void {
    this.dropPending(s);
    const localIndex = this.newIndex();
    const hs = new HandshakeState(this.protocol, { initiator: true, s: this.options.staticKey, rs: s.remoteStatic, randomBytes: this.options.random });
    this.lastTimestampSent = Math.max(now, this.lastTimestampSent + 1);
    const msg1 = hs.writeMessage(encodeHandshakePayload({ senderIndex: localIndex, headerKey: this.ownHeaderKey, timestamp: this.lastTimestampSent, application: this.application }));
    const mac1 = mac(mac1Key(s.remoteStatic), msg1);
    const delay = Math.min(this.limits.handshakeRetryMs * this.limits.handshakeBackoff ** attempt, this.limits.handshakeRetryMaxMs);
    s.pending = { hs, localIndex, msg1, mac1, startedAt, attempt, retryAt: now + delay, cookieResent: false };
    this.pendingSessions.add(s);
    this.byIndex.set(localIndex, { session: s, keypair: null });
    this.sendInitiation(s, s.pending, now);
  }

  /** Sends a pending initiation, with mac2 when a fresh cookie is held. */
  private sendInitiation(s: Session, p: PendingHandshake, now: number): void {
    const cookieFresh = s.cookie && now - s.cookie.at < this.limits.cookieSecretMs;
    const mac2 = cookieFresh && s.cookie ? mac(s.cookie.value, p.msg1, p.mac1) : new Uint8Array(MAC_BYTES);
    const body = Buffer.concat([p.msg1, p.mac1, mac2]);
    s.lastSent = now;
    this.emit({ type: 'datagram', to: s.address, kind: 'initiation', bytes: wrapHandshake(PACKET_KIND.initiation, body, obfuscationKey(s.remoteStatic), this.options.random(OBFUSCATION_NONCE_BYTES)) });
  }

  private install(s: Session, k: Keypair, application: Uint8Array, handshakeHash: Uint8Array, now: number): void {
    if (s.previous) this.byIndex.delete(s.previous.localIndex);
    s.previous = s.current;
    s.current = k;
    this.byIndex.set(k.localIndex, { session: s, keypair: k });
    s.lastReceived = now;
    this.stats.handshakesCompleted++;
    if (!s.established) {
      s.established = true;
      this.emit({ type: 'event', event: { type: 'established', session: s.id, remoteStatic: s.remoteStatic, application, handshakeHash } });
    }
    for (const payload of s.queued.splice(0)) this.seal(s, k, payload, now);
  }

  private handleTransport(datagram: Uint8Array, from: PeerAddress, now: number): boolean {
    const header = readTransportHeader(datagram, this.ownMask);
    if (!header) return false;
    const entry = this.byIndex.get(header.receiverIndex);
    const k = entry?.keypair;
    if (!entry || !k) return false;
    const s = entry.session;
    if (now - k.createdAt >= this.limits.rejectAfterMs || !k.window.check(header.counter)) return false;
    const plaintext = openTransport(k.receive, datagram, header);
    const payload = plaintext === null ? null : unpad(plaintext);
    if (payload === null) return false;
    k.window.commit(header.counter);
    this.stats.transportReceived++;
    s.lastReceived = now;
    if (from !== s.address && this.options.roam !== false) {
      // Roaming: only a packet that authenticated may move a session (issue #3).
      s.address = from;
      this.emit({ type: 'event', event: { type: 'roamed', session: s.id, address: from } });
    }
    if (payload.length > 0) this.emit({ type: 'event', event: { type: 'message', session: s.id, payload, from } });
    return true;
  }

  private underLoad(now: number): boolean {
    if (now - this.loadWindowStart >= 1000) {
      this.loadWindowStart = now;
      this.loadCount = 0;
    }
    this.loadCount++;
    return this.loadCount > this.limits.handshakesPerSecondUnderLoad;
  }

  private rotateCookieSecret(now: number): void {
    if (this.cookieSecretSince === null) this.cookieSecretSince = now;
    if (now - this.cookieSecretSince >= this.limits.cookieSecretMs) {
      this.previousCookieSecret = this.cookieSecret;
      this.cookieSecret = this.options.random(32);
      this.cookieSecretSince = now;
    }
  }

  private handleInitiation(body: Uint8Array, from: PeerAddress, now: number): boolean {
    if (body.length < 2 * MAC_BYTES) return false;
    const msg1 = body.subarray(0, body.length - 2 * MAC_BYTES);
    const mac1 = body.subarray(body.length - 2 * MAC_BYTES, body.length - MAC_BYTES);
    const mac2 = body.subarray(body.length - MAC_BYTES);
    if (!sameMac(mac(this.ownMac1Key, msg1), mac1)) return false;
    this.rotateCookieSecret(now);
    if (this.underLoad(now)) {
      const valid = [this.cookieSecret, this.previousCookieSecret].some((secret) => secret && sameMac(mac(cookieFor(secret, from), msg1, mac1), mac2));
      if (!valid) {
        // No mac2, or one for another address or an expired secret (the initiator moved, or its cookie
        // aged here first): a fresh cookie either way, as WireGuard does, so the initiator recovers.
        // Stateless: no DH, nothing stored; the reply goes to the claimed source only.
        const sealed = sealCookie(this.ownCookieKey, this.options.random(COOKIE_NONCE_BYTES), mac1, cookieFor(this.cookieSecret, from));
        this.stats.cookiesSent++;
        this.emit({ type: 'datagram', to: from, kind: 'cookie', bytes: wrapHandshake(PACKET_KIND.cookie, sealed, this.ownObfuscationKey, this.options.random(OBFUSCATION_NONCE_BYTES)) });
        return true;
      }
    }
    const hs = new HandshakeState(this.protocol, { initiator: false, s: this.options.staticKey, randomBytes: this.options.random });
    let payload: Uint8Array;
    try {
      payload = hs.readMessage(msg1);
    } catch {
      return false;
    }
    const p = decodeHandshakePayload(payload);
    const rs = hs.remoteStatic;
    if (!p || !rs) return false;
    const key = hex(rs);
    if (p.timestamp <= (this.timestamps.get(key) ?? -1)) return false; // a replayed initiation
    let s = this.byRemote.get(key);
    if (!s && this.sessions.size >= this.limits.sessionsMax) return false;
    if (this.options.accept?.(rs, p.application, now) === false) return false;
    this.timestamps.delete(key);
    this.timestamps.set(key, p.timestamp);
    if (this.timestamps.size > TIMESTAMPS_MAX) this.timestamps.delete(this.timestamps.keys().next().value as string);
    s ??= this.newSession(false, rs, from, now);
    s.address = from;
    const localIndex = this.newIndex();
    const msg2 = hs.writeMessage(encodeHandshakePayload({ senderIndex: localIndex, headerKey: this.ownHeaderKey, timestamp: 0, application: this.application }));
    const result = hs.result;
    if (!result) return false;
    const response = Buffer.alloc(4 + msg2.length);
    response.writeUInt32BE(p.senderIndex, 0);
    response.set(msg2, 4);
    this.emit({ type: 'datagram', to: from, kind: 'response', bytes: wrapHandshake(PACKET_KIND.response, response, obfuscationKey(rs), this.options.random(OBFUSCATION_NONCE_BYTES)) });
    s.lastSent = now;
    const keypair: Keypair = { localIndex, remoteIndex: p.senderIndex, send: result.send, receive: result.receive, peerMask: new HeaderMask(p.headerKey), window: new ReplayWindow(), createdAt: now, sendCounter: 0 };
    this.install(s, keypair, p.application, result.handshakeHash, now);
    return true;
  }

  private handleResponse(body: Uint8Array, from: PeerAddress, now: number): boolean {
    if (body.length < 4) return false;
    const index = Buffer.from(body.buffer, body.byteOffset, 4).readUInt32BE(0);
    const entry = this.byIndex.get(index);
    const s = entry?.session;
    const pending = s?.pending;
    if (!s || !pending || pending.localIndex !== index) return false;
    let payload: Uint8Array;
    try {
      payload = pending.hs.readMessage(body.subarray(4), true);
    } catch {
      return false;
    }
    const p = decodeHandshakePayload(payload);
    const result = pending.hs.result;
    if (!p || !result) return false;
    if (this.options.accept?.(s.remoteStatic, p.application, now) === false) {
      this.endSession(s, 'refused');
      return true;
    }
    s.pending = null;
    this.pendingSessions.delete(s);
    s.address = from;
    const keypair: Keypair = { localIndex: index, remoteIndex: p.senderIndex, send: result.send, receive: result.receive, peerMask: new HeaderMask(p.headerKey), window: new ReplayWindow(), createdAt: now, sendCounter: 0 };
    this.install(s, keypair, p.application, result.handshakeHash, now);
    // Confirm the keys at once, so the responder knows them used (and its NAT mapping opens).
    if (keypair.sendCounter === 0) this.seal(s, keypair, new Uint8Array(0), now);
    return true;
  }

  /**
   * A cookie reply stores the cookie and resends the same initiation (same handshake state) with it
   * in mac2, once per initiation. Anyone who saw mac1 and knows the peer's public key can forge a
   * cookie reply, so it must not restart the handshake (that would discard the initiation in flight,
   * and its genuine response with it) nor make us send on demand.
   */
  private handleCookie(datagram: Uint8Array, from: PeerAddress, now: number): boolean {
    for (const s of this.pendingSessions) {
      if (!s.pending || s.address !== from) continue;
      const inner = unwrapHandshake(datagram, obfuscationKey(s.remoteStatic));
      if (inner?.kind !== PACKET_KIND.cookie) continue;
      const cookie = openCookie(cookieKey(s.remoteStatic), s.pending.mac1, inner.body);
      if (!cookie) continue;
      s.cookie = { value: cookie, at: now };
      if (!s.pending.cookieResent) {
        s.pending.cookieResent = true;
        this.sendInitiation(s, s.pending, now);
      }
      return true;
    }
    return false;
  }
}
