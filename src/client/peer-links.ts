/**
 * Sessions between devices, direct or through a supernode's relay (issues #6 and #7). One UDP socket per device, dual-stack where the host has IPv6, runs a
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
 *
 * Relays (issue #7): given a way to its supernodes (RelayAccess), `link` first opens an allocation
 * at one of the supernodes the other device is attached to and runs the handshake through it (a
 * relay reaches any device, over TCP where UDP is blocked), then both devices check their
 * candidates on the session (path-checks.ts) and move to a direct path when one answers. The
 * device that opened the allocation refreshes it every RELAY_REFRESH_MS; when its supernode does
 * not answer within RELAY_REFRESH_TIMEOUT_MS, or closes it, the session moves to an allocation at
 * another of the other device's supernodes and every envelope still unanswered is sent again
 * there. A session never moves on a probe's arrival (the endpoint's roaming is off): it moves on
 * an answered probe, or when the other device's other messages arrive on another path.
 */

import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';

import type { KeyPair } from '../crypto/noise/index.js';
import { verifyCertificate } from '../login/certificate.js';
import { checkUsername } from '../login/username.js';
import { exchangeBinding, type BindingExchange } from '../stun/binding-exchange.js';
import { looksLikeStun } from '../stun/message.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { formatEndpoint, parseEndpoint } from '../wire/address.js';
import { SessionEndpoint, type SessionEvent } from '../transport/endpoint.js';
import type { SessionLimits } from '../transport/session-limits.js';
import { TokenBuckets } from '../util/token-buckets.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../wire/index.js';
import type { ProtocolMessage } from '../wire/schema.js';
import type { CALL_MESSAGES } from '../call/call-messages.js';
import { BIRTHDAY_DURATION_MS, BIRTHDAY_SOCKETS, BirthdaySockets, parseSocketAddress, socketAddress, spray } from './birthday.js';
import { dialOrder, hostCandidates } from './candidates.js';
import { CheckRun, checkOrder, type CheckCandidate } from './path-checks.js';
import { PEER_PROTOCOL, PeerAck, PeerCandidates, PeerEcho, PeerEchoReply, PeerEnvelope, PeerPath, PeerProbe, PeerProbeAck } from './peer-messages.js';

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
/** How long a handshake through a relay may take before the next supernode is tried. */
export const RELAY_HANDSHAKE_WAIT_MS = 2_000;
/** The device that opened an allocation refreshes it this often (which also shows its supernode alive)... */
export const RELAY_REFRESH_MS = 1_000;
/** ... and moves to another relay when a refresh is not answered in this long. */
export const RELAY_REFRESH_TIMEOUT_MS = 1_200;
/** After a session moved to a direct path its allocation is kept this long (datagrams on their way), then closed. */
export const RELAY_LINGER_MS = 5_000;
/** A session on a relay checks the direct path again this often (a NAT's mapping may have appeared). */
export const CHECK_AGAIN_MS = 30_000;
/**
 * A session that carried no envelope or echo for this long is closed (its keepalives would keep it,
 * and its relay allocation, forever); the next envelope makes a new one. Looked for every minute.
 */
export const PEER_UNUSED_MS = 10 * 60_000;
const PEER_UNUSED_SWEEP_MS = 60_000;

/** How a session reaches the other device now. */
export type PeerPathKind = 'direct' | 'relay-udp' | 'relay-tcp';

/** Where a device can be relayed to: its account, device, and the supernodes its record says it is attached to (hex keys). */
export interface RelayTarget {
  readonly account: string;
  readonly deviceId: Uint8Array;
  readonly supernodes: readonly string[];
}

/** The device's supernodes, as the links use them for relays (device-runtime.ts). */
export interface RelayAccess {
  /** Opens an allocation at this supernode to the device; null when it cannot (not reachable, refused). */
  open(supernode: string, recipient: string, deviceId: Uint8Array): Promise<Uint8Array | null>;
  /** Refreshes an allocation: false when it is gone or its supernode did not answer within `timeoutMs`. */
  refresh(supernode: string, allocation: Uint8Array, timeoutMs: number): Promise<boolean>;
  /** Sends a datagram to the other end; false when there is no session to that supernode. */
  send(supernode: string, allocation: Uint8Array, data: Uint8Array): boolean;
  close(supernode: string, allocation: Uint8Array): void;
  /** The transport of the session to this supernode, or null without one. */
  transport(supernode: string): 'udp' | 'tcp' | null;
}

/** The other device of a session, from its checked certificate. */
export interface PeerDevice {
  readonly account: string;
  readonly deviceId: Uint8Array;
  readonly username: string;
}

/** A call message (call/call-messages.ts) that came on a session, and who sent it (`key`: its Noise key, hex). */
export type PeerCallMessage = ProtocolMessage<typeof CALL_MESSAGES>;

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
  /** Sessions made through a relay. */
  relayed: number;
  /** Sessions moved from a relay to a direct path. */
  madeDirect: number;
  /** Sessions moved to another relay when theirs failed. */
  relayFailovers: number;
}

/** How the links start. */
export interface PeerLinksOptions {
  readonly noiseKey: KeyPair;
  readonly certificate: Uint8Array;
  readonly caPublicKey: Uint8Array;
  readonly network: string;
  /** Local UDP port (0, the default, lets the system choose); null: no socket, relayed sessions only. */
  readonly port?: number | null;
  /** Relays through the device's supernodes; none by default (direct sessions only). */
  readonly relays?: RelayAccess;
  /** This device's candidates now, offered on each session for checks ("udp:host:port"); `hard`: its NAT maps each destination anew. */
  readonly candidates?: () => PeerOffer;
  /** The other device's relay target now (its newest record), for moving to another relay. */
  readonly latest?: (noiseKey: Uint8Array) => RelayTarget | null;
  /** How often a session still on a relay offers and checks candidates again (CHECK_AGAIN_MS; tests shorten it). */
  readonly checkAgainMs?: number;
  /** An envelope from `from`; resolves true once it is stored or known, false if it is refused. */
  readonly onEnvelope: (blob: Uint8Array, from: PeerDevice) => Promise<boolean>;
  /** A call's signalling or media (call-manager.ts); dropped without. */
  readonly onCall?: (message: PeerCallMessage, from: PeerDevice & { readonly key: string }) => void;
  readonly limits?: Partial<SessionLimits>;
  /** The clock (milliseconds) of rates, retries and certificate checks; Date.now by default. */
  readonly clock?: () => number;
}

/** A device's candidates as it offers them on a session. */
export interface PeerOffer {
  readonly host: readonly string[];
  readonly reflexive: readonly string[];
  readonly hard?: boolean;
}

/** An allocation this device opened for a session. */
interface RelayLeg {
  readonly supernode: string;
  readonly allocation: Uint8Array;
  readonly address: string;
  timer: NodeJS.Timeout | null;
  refreshing: boolean;
}

interface LinkState {
  readonly session: number;
  /** The other device's Noise key, hex. */
  readonly key: string;
  peer: PeerDevice | null;
  readonly ready: Array<(ok: boolean) => void>;
  /** Where it can be relayed to (known to the device that dialed). */
  target: RelayTarget | null;
  relay: RelayLeg | null;
  /** Allocations left behind after a move to a direct path, closed after RELAY_LINGER_MS. */
  readonly lingering: Set<NodeJS.Timeout>;
  /** A direct address a probe was answered from. */
  direct: string | null;
  checks: CheckRun | null;
  offer: PeerOffer | null;
  /** Many-socket probing (birthday.ts): this side's sockets, or its spray's stop. */
  birthday: BirthdaySockets | null;
  stopSpray: (() => void) | null;
  checkAgain: NodeJS.Timeout | null;
  /** When the session was made (ms), and when it first ran on a direct path (ms after), for status. */
  readonly since: number;
  directAfterMs: number | null;
  /** When an envelope or echo last went either way (ms). */
  lastUsed: number;
}

/** An envelope sent and not answered yet. */
interface Waiting {
  readonly session: number;
  readonly bytes: Uint8Array;
  readonly done: (accepted: boolean) => void;
  timer: NodeJS.Timeout;
}

const RELAY_PREFIX = 'relay/';
const relayAddress = (supernode: string, allocation: Uint8Array): string => `${RELAY_PREFIX}${supernode}/${hex(allocation)}`;
const parseRelayAddress = (a: string): { supernode: string; allocation: string } | null => {
  const m = /^relay\/([0-9a-f]{64})\/([0-9a-f]{32})$/.exec(a);
  return m ? { supernode: m[1] as string, allocation: m[2] as string } : null;
};
const isRelay = (a: string | null): boolean => a !== null && a.startsWith(RELAY_PREFIX);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** A dual-stack socket sends to IPv4 peers by their IPv4-mapped address. */
const dialable = (host: string, dualStack: boolean): string => (dualStack && !host.includes(':') ? `::ffff:${host}` : host);

/** One device's sessions with other devices. */
export class PeerLinks {
  readonly stats: PeerLinkStats = { sent: 0, received: 0, refusedEnvelopes: 0, refusedSessions: 0, malformed: 0, unreachable: 0, relayed: 0, madeDirect: 0, relayFailovers: 0 };
  private readonly endpoint: SessionEndpoint;
  private driver: UdpDriver | null = null;
  private dualStack = false;
  private hasSocket = false;
  private readonly links = new Map<number, LinkState>();
  private readonly byKey = new Map<string, number>();
  private readonly connecting = new Map<string, Promise<boolean>>();
  private readonly failed = new Map<string, number>();
  private readonly waiting = new Map<number, Waiting>();
  private readonly echoes = new Map<number, (data: Uint8Array) => void>();
  /** Callers waiting for a session to run on a direct path, by Noise key (hex). */
  private readonly directWaiters = new Map<string, Set<() => void>>();
  private readonly stun = new Set<BindingExchange>();
  /** Devices whose handshake was accepted, by Noise key (hex), until their session is established or forgotten. */
  private readonly accepted = new Map<string, PeerDevice>();
  private readonly clock: () => number;
  private readonly buckets = new TokenBuckets({ perSecond: PEER_ENVELOPES_PER_SECOND, burst: PEER_ENVELOPES_BURST, keysMax: PEER_REMEMBERED_MAX });
  private nextRequest = 1;
  private closed = false;
  private sweeper: NodeJS.Timeout | null = null;
  /** Birthday runs whose sockets are open (one probing at a time), by run id. */
  private readonly birthdays = new Map<number, BirthdaySockets>();
  private birthdayProbing = false;
  private nextBirthday = 1;

  private constructor(private readonly o: PeerLinksOptions) {
    this.clock = o.clock ?? Date.now;
    this.endpoint = new SessionEndpoint({
      staticKey: o.noiseKey,
      random,
      application: o.certificate,
      // A probe that gets through must not move the session: the links decide (onMessage).
      roam: false,
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

  /** Opens the socket (dual-stack where the host has IPv6, IPv4 only otherwise), or none with port null. */
  static async open(o: PeerLinksOptions): Promise<PeerLinks> {
    const links = new PeerLinks(o);
    links.sweeper = setInterval(() => links.closeUnused(), PEER_UNUSED_SWEEP_MS);
    links.sweeper.unref();
    const shared = {
      accepts: looksLikeStun,
      answer: (datagram: Uint8Array): null => {
        for (const exchange of links.stun) exchange.offer(datagram);
        return null;
      },
    };
    const common = { endpoint: links.endpoint, onEvent: (e: SessionEvent): void => links.onEvent(e), shared, clock: links.clock, elsewhere: (to: string, bytes: Uint8Array): void => links.elsewhere(to, bytes) };
    if (o.port === null) {
      links.driver = await UdpDriver.open({ ...common, host: null });
      return links;
    }
    try {
      links.driver = await UdpDriver.open({ ...common, host: '::', port: o.port ?? 0 });
      links.dualStack = true;
    } catch {
      links.driver = await UdpDriver.open({ ...common, host: '0.0.0.0', port: o.port ?? 0 });
    }
    links.hasSocket = true;
    return links;
  }

  /** The local UDP port, or null without a socket. */
  get port(): number | null {
    if (!this.driver) throw new Error('the links are closed');
    return this.hasSocket ? this.driver.local.port : null;
  }

  /** Whether the socket reaches IPv6 addresses (dual-stack). */
  get ipv6(): boolean {
    return this.dualStack;
  }

  /** This device's host candidates on the links' port (loopback ones only on a loopback network); none without a socket. */
  hostCandidates(options: { loopback: boolean }): string[] {
    const port = this.port;
    return port === null ? [] : hostCandidates(networkInterfaces(), port, { loopback: options.loopback, ipv6: this.dualStack });
  }

  /** A renewed certificate: new sessions carry it. */
  setCertificate(certificate: Uint8Array): void {
    this.endpoint.setApplication(certificate);
  }

  /** Asks a STUN binding server (a supernode's UDP port) which address this socket is seen from; null when it does not answer. */
  async reflexive(server: { host: string; port: number }): Promise<{ host: string; port: number } | null> {
    const driver = this.driver;
    if (!driver || this.closed || !this.hasSocket) return null;
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

  /** The sessions up: the other device, its path, and when the session first ran direct (ms after it was made; null while relayed). */
  sessions(): { account: string; deviceId: Uint8Array; path: PeerPathKind; directAfterMs: number | null }[] {
    return [...this.links.values()].flatMap((s) => {
      const path = s.peer ? this.pathOf(s) : null;
      return s.peer && path ? [{ account: s.peer.account, deviceId: s.peer.deviceId, path, directAfterMs: s.directAfterMs }] : [];
    });
  }

  /** How the session to this device runs now, or null without one. */
  path(noiseKey: Uint8Array): PeerPathKind | null {
    const session = this.byKey.get(hex(noiseKey));
    const s = session === undefined ? undefined : this.links.get(session);
    return s?.peer ? this.pathOf(s) : null;
  }

  private pathOf(s: LinkState): PeerPathKind | null {
    const address = this.endpoint.addressOf(s.session);
    if (address === null) return null;
    const relay = parseRelayAddress(address);
    if (!relay) return 'direct';
    return this.o.relays?.transport(relay.supernode) === 'tcp' ? 'relay-tcp' : 'relay-udp';
  }

  /** Whether a checked session to the device with this Noise key is up. */
  isLinked(noiseKey: Uint8Array): boolean {
    const session = this.byKey.get(hex(noiseKey));
    const peer = session === undefined ? null : (this.links.get(session)?.peer ?? null);
    return peer !== null;
  }

  /**
   * A session to the device with this Noise key: the one that is up, or a new one. With relays and
   * a relay target, through a relay at one of the device's supernodes first (each given
   * RELAY_HANDSHAKE_WAIT_MS), checks moving it to a direct path after; otherwise dialed to the
   * candidates in turn (each given PEER_CANDIDATE_WAIT_MS). False when nothing answers; the same
   * attempt is then not made again for PEER_RETRY_MS.
   */
  link(noiseKey: Uint8Array, candidates: readonly { host: string; port: number }[], target?: RelayTarget): Promise<boolean> {
    const key = hex(noiseKey);
    if (this.isLinked(noiseKey)) return Promise.resolve(true);
    const relayable = this.o.relays !== undefined && target !== undefined && target.supernodes.length > 0;
    const direct = this.hasSocket ? candidates.slice(0, PEER_CANDIDATES_TRIED_MAX) : [];
    const attempt = `${key} ${direct.map((c) => `${c.host}/${c.port}`).join(' ')} ${relayable ? target.supernodes.join(' ') : ''}`;
    const failedAt = this.failed.get(attempt);
    if (this.closed || (direct.length === 0 && !relayable) || (failedAt !== undefined && this.clock() - failedAt < PEER_RETRY_MS)) return Promise.resolve(false);
    let p = this.connecting.get(key);
    if (!p) {
      p = (async (): Promise<boolean> => (relayable && (await this.dialRelayed(noiseKey, target))) || (await this.dial(noiseKey, direct)))().then((ok) => {
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

  /** Waits until a session is up (true) or fails or `waitMs` passes (false). */
  private waitReady(state: LinkState, waitMs: number): Promise<boolean> {
    if (state.peer !== null) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      timer.unref();
      state.ready.push((up) => {
        clearTimeout(timer);
        resolve(up);
      });
    });
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
      if (await this.waitReady(this.state(session, hex(noiseKey)), PEER_CANDIDATE_WAIT_MS)) return true;
    }
    const left = this.byKey.get(hex(noiseKey));
    if (left !== undefined && !this.isLinked(noiseKey)) this.drop(left);
    return false;
  }

  /** A session made through a relay at one of the target's supernodes. */
  private async dialRelayed(noiseKey: Uint8Array, target: RelayTarget): Promise<boolean> {
    const key = hex(noiseKey);
    const tried = new Set<string>();
    for (;;) {
      const driver = this.driver;
      if (!driver || this.closed) return false;
      if (this.isLinked(noiseKey)) return true;
      const leg = await this.openLeg(target, tried);
      if (!leg) return false;
      tried.add(leg.supernode);
      const stale = this.byKey.get(key);
      if (stale !== undefined) this.drop(stale);
      const state = this.state(driver.connectVia(noiseKey, leg.address), key);
      state.target = target;
      this.attachLeg(state, leg);
      if (await this.waitReady(state, RELAY_HANDSHAKE_WAIT_MS)) {
        this.stats.relayed++;
        return true;
      }
      this.dropLeg(state);
    }
  }

  /** An allocation at the first of the target's supernodes (not in `skip`) that grants one. */
  private async openLeg(target: RelayTarget, skip: ReadonlySet<string>): Promise<RelayLeg | null> {
    const relays = this.o.relays;
    if (!relays) return null;
    for (const supernode of target.supernodes) {
      if (skip.has(supernode) || this.closed) continue;
      const allocation = await relays.open(supernode, target.account, target.deviceId).catch(() => null);
      if (allocation) return { supernode, allocation, address: relayAddress(supernode, allocation), timer: null, refreshing: false };
    }
    return null;
  }

  /** Makes `leg` the session's allocation, refreshed every RELAY_REFRESH_MS until it fails. */
  private attachLeg(state: LinkState, leg: RelayLeg): void {
    state.relay = leg;
    leg.timer = setInterval(() => {
      const relays = this.o.relays;
      if (leg.refreshing || !relays) return;
      leg.refreshing = true;
      void relays
        .refresh(leg.supernode, leg.allocation, RELAY_REFRESH_TIMEOUT_MS)
        .catch(() => false)
        .then((ok) => {
          leg.refreshing = false;
          if (!ok && state.relay === leg) void this.relayFailed(state);
        });
    }, RELAY_REFRESH_MS);
    leg.timer.unref();
  }

  /** Stops refreshing the session's allocation and closes it (after `lingerMs`). */
  private dropLeg(state: LinkState, lingerMs = 0): void {
    const leg = state.relay;
    if (!leg) return;
    state.relay = null;
    if (leg.timer) clearInterval(leg.timer);
    const close = (): void => this.o.relays?.close(leg.supernode, leg.allocation);
    if (lingerMs === 0) return close();
    const t = setTimeout(() => {
      state.lingering.delete(t);
      close();
    }, lingerMs);
    t.unref();
    state.lingering.add(t);
  }

  /** The session's allocation failed: to another relay (or the direct path), the unanswered envelopes sent again there. */
  private async relayFailed(state: LinkState): Promise<void> {
    const failed = state.relay;
    if (!failed) return;
    this.dropLeg(state);
    if (this.endpoint.addressOf(state.session) !== failed.address) return;
    if (state.direct !== null) return this.moveTo(state, state.direct);
    const target = this.o.latest?.(Buffer.from(state.key, 'hex')) ?? state.target;
    const leg = target ? await this.openLeg(target, new Set([failed.supernode])) : null;
    if (!this.links.has(state.session) || this.closed) {
      if (leg) this.o.relays?.close(leg.supernode, leg.allocation);
      return;
    }
    if (!leg) return this.drop(state.session);
    this.stats.relayFailovers++;
    this.attachLeg(state, leg);
    this.moveTo(state, leg.address);
  }

  /**
   * Moves the session to `address` and tells the other device (peer-path); with `resend` (the old
   * path failed), the unanswered envelopes are sent again there and wait anew.
   */
  private moveTo(state: LinkState, address: string, resend = true): void {
    const driver = this.driver;
    if (!driver) return;
    driver.moveTo(state.session, address);
    driver.send(state.session, encodeMessage(PeerPath.toMessage({}, 0)));
    if (!resend) return;
    for (const [requestId, w] of this.waiting) {
      if (w.session !== state.session) continue;
      clearTimeout(w.timer);
      w.timer = this.ackTimer(requestId, w.session, Buffer.from(state.key, 'hex'));
      driver.send(state.session, w.bytes);
    }
  }

  /** Closes the sessions unused for PEER_UNUSED_MS (none with an envelope waiting); how many. Runs every minute. */
  closeUnused(): number {
    const now = this.clock();
    const busy = new Set([...this.waiting.values()].map((w) => w.session));
    let closed = 0;
    for (const s of [...this.links.values()]) {
      if (!s.peer || now - s.lastUsed < PEER_UNUSED_MS || busy.has(s.session)) continue;
      this.drop(s.session);
      closed++;
    }
    return closed;
  }

  /** A datagram the endpoint sends to a relay address, or from one of a birthday run's sockets. */
  private elsewhere(to: string, bytes: Uint8Array): void {
    const r = parseRelayAddress(to);
    if (r) {
      this.o.relays?.send(r.supernode, Buffer.from(r.allocation, 'hex'), bytes);
      return;
    }
    const b = parseSocketAddress(to);
    if (b) this.birthdays.get(b.run)?.send(b.index, bytes, b.host, b.port);
  }

  /** What a supernode pushed about an allocation (device-runtime.ts hands it here). */
  relayed(supernode: string, push: { type: 'data'; allocation: Uint8Array; data: Uint8Array } | { type: 'closed'; allocation: Uint8Array; code: string }): void {
    const address = relayAddress(supernode, push.allocation);
    if (push.type === 'data') {
      this.driver?.deliver(push.data, address);
      return;
    }
    for (const s of this.links.values()) {
      if (s.relay?.address === address) void this.relayFailed(s);
      else if (this.endpoint.addressOf(s.session) === address && s.direct !== null) this.moveTo(s, s.direct);
    }
  }

  /**
   * Sends an envelope on the session to this device (which must be up: `isLinked`) and waits for its
   * answer: true once the other device has taken it, false when it refused, did not answer in
   * PEER_ACK_WAIT_MS, or there is no session. If the session moves meanwhile (another relay), the
   * envelope is sent again on the new path and waits anew.
   */
  send(noiseKey: Uint8Array, blob: Uint8Array): Promise<boolean> {
    const session = this.byKey.get(hex(noiseKey));
    const driver = this.driver;
    if (session === undefined || !driver || !this.isLinked(noiseKey) || this.waiting.size >= PEER_WAITING_MAX) return Promise.resolve(false);
    const requestId = this.nextRequest++;
    const bytes = encodeMessage(PeerEnvelope.toMessage({ blob }, requestId), { compressed: true });
    this.touch(session);
    return new Promise((resolve) => {
      const done = (accepted: boolean): void => {
        const w = this.waiting.get(requestId);
        if (w) clearTimeout(w.timer);
        this.waiting.delete(requestId);
        if (accepted) this.stats.sent++;
        resolve(accepted);
      };
      this.waiting.set(requestId, { session, bytes, done, timer: this.ackTimer(requestId, session, noiseKey) });
      if (!driver.send(session, bytes)) done(false);
    });
  }

  /**
   * Sends `data` to this device on its session and waits for it back: true once the same bytes
   * returned, false without a session or an answer in `timeoutMs`.
   */
  echo(noiseKey: Uint8Array, data: Uint8Array, timeoutMs = PEER_ACK_WAIT_MS): Promise<boolean> {
    const session = this.byKey.get(hex(noiseKey));
    const driver = this.driver;
    if (session === undefined || !driver || !this.isLinked(noiseKey) || this.echoes.size >= PEER_WAITING_MAX) return Promise.resolve(false);
    const requestId = this.nextRequest++;
    this.touch(session);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), timeoutMs);
      timer.unref();
      const done = (back: Uint8Array | null): void => {
        clearTimeout(timer);
        this.echoes.delete(requestId);
        resolve(back !== null && Buffer.from(back).equals(data));
      };
      this.echoes.set(requestId, done);
      driver.send(session, encodeMessage(PeerEcho.toMessage({ data }, requestId)));
    });
  }

  /** Sends a call message (call/call-messages.ts) on the session to this device: false without one. Not answered here: the call manager has its own. */
  sendCall(noiseKey: Uint8Array, message: WireMessage): boolean {
    const session = this.byKey.get(hex(noiseKey));
    if (session === undefined || !this.driver || !this.isLinked(noiseKey)) return false;
    this.touch(session);
    return this.driver.send(session, encodeMessage(message));
  }

  /** Resolves true once the session to this device runs on a direct path, false after `timeoutMs` (or without a session). */
  whenDirect(noiseKey: Uint8Array, timeoutMs: number): Promise<boolean> {
    if (this.path(noiseKey) === 'direct') return Promise.resolve(true);
    if (!this.isLinked(noiseKey) || timeoutMs <= 0) return Promise.resolve(false);
    const key = hex(noiseKey);
    return new Promise((resolve) => {
      const waiters = this.directWaiters.get(key) ?? new Set<() => void>();
      this.directWaiters.set(key, waiters);
      const wake = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0) this.directWaiters.delete(key);
        resolve(this.path(noiseKey) === 'direct');
      };
      const timer = setTimeout(wake, timeoutMs);
      timer.unref();
      waiters.add(wake);
    });
  }

  /** No answer at all: the other device is likely gone, and the session with it (dialed again on need). */
  private ackTimer(requestId: number, session: number, noiseKey: Uint8Array): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.waiting.get(requestId)?.done(false);
      if (this.byKey.get(hex(noiseKey)) === session) this.drop(session);
    }, PEER_ACK_WAIT_MS);
    timer.unref();
    return timer;
  }

  private touch(session: number): void {
    const s = this.links.get(session);
    if (s) s.lastUsed = this.clock();
  }

  private state(session: number, key: string): LinkState {
    let s = this.links.get(session);
    if (!s) {
      s = { session, key, peer: null, ready: [], target: null, relay: null, lingering: new Set(), direct: null, checks: null, offer: null, birthday: null, stopSpray: null, checkAgain: null, since: this.clock(), directAfterMs: null, lastUsed: this.clock() };
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
    this.dropLeg(s);
    for (const t of s.lingering) clearTimeout(t);
    s.checks?.stop();
    if (s.checkAgain) clearInterval(s.checkAgain);
    s.stopSpray?.();
    if (s.birthday) {
      s.birthday.close();
      this.birthdays.delete(s.birthday.run);
    }
    for (const r of s.ready.splice(0)) r(false);
  }

  /** The device a session's certificate names, or null when it does not hold. */
  private check(application: Uint8Array, remoteStatic: Uint8Array, now: number): PeerDevice | null {
    const cert = verifyCertificate(application, this.o.caPublicKey, this.o.network, now);
    if (!cert.ok) return null;
    const c = cert.body;
    if (c.kind !== 'device' || c.username === undefined || c.deviceId === undefined || !Buffer.from(c.noiseKey).equals(remoteStatic)) return null;
    const account = checkUsername(c.username);
    return account.ok ? { account: account.key, deviceId: c.deviceId, username: c.username } : null;
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
      if (!isRelay(this.endpoint.addressOf(e.session))) s.directAfterMs = 0;
      for (const r of s.ready.splice(0)) r(true);
      this.offerCandidates(s);
    } else if (e.type === 'closed') {
      this.forget(e.session);
    } else if (e.type === 'message') {
      this.onMessage(e.session, e.payload, e.from);
    }
  }

  /** Sends this device's candidates on a relayed session, so that both devices check them; again every CHECK_AGAIN_MS while relayed. */
  private offerCandidates(s: LinkState): void {
    const offer = this.o.candidates?.();
    if (!this.hasSocket || !offer || !isRelay(this.endpoint.addressOf(s.session))) return;
    this.driver?.send(s.session, encodeMessage(PeerCandidates.toMessage({ host: [...offer.host], reflexive: [...offer.reflexive], ...(offer.hard ? { hard: true } : {}) }, 0)));
    if (!s.checkAgain) {
      s.checkAgain = setInterval(() => {
        if (!isRelay(this.endpoint.addressOf(s.session))) return;
        this.offerCandidates(s);
        if (s.offer) this.startChecks(s, s.offer);
      }, this.o.checkAgainMs ?? CHECK_AGAIN_MS);
      s.checkAgain.unref();
    }
  }

  /** Probes the other device's candidates (path-checks.ts), and many-socket probing where one side's NAT maps every destination anew (birthday.ts). */
  private startChecks(s: LinkState, offer: PeerOffer): void {
    s.offer = offer;
    if (!this.hasSocket || s.checks) return;
    const probeTo = (address: string): void => void this.driver?.sendTo(s.session, encodeMessage(PeerProbe.toMessage({ nonce: random(8) }, 0)), address);
    s.checks = new CheckRun(checkOrder(offer, { ipv6: this.dualStack }), (c: CheckCandidate) => probeTo(formatEndpoint(dialable(c.host, this.dualStack), c.port)), () => (s.checks = null), this.clock);
    const hard = this.o.candidates?.().hard === true;
    const theirs = dialOrder(offer.reflexive, { ipv6: false })[0];
    if (!theirs || hard === (offer.hard === true)) return;
    if (!hard && !s.stopSpray) {
      s.stopSpray = spray((port) => probeTo(formatEndpoint(dialable(theirs.host, this.dualStack), port)), () => s.direct !== null || !this.links.has(s.session), this.clock);
      return;
    }
    if (hard && !this.birthdayProbing && !s.birthday) {
      this.birthdayProbing = true;
      const runId = this.nextBirthday++;
      const ended = setTimeout(() => (this.birthdayProbing = false), BIRTHDAY_DURATION_MS);
      ended.unref();
      void BirthdaySockets.open(runId, BIRTHDAY_SOCKETS, (bytes, from) => this.driver?.deliver(bytes, from), this.clock).then(
        (run) => {
          if (!this.links.has(s.session) || this.closed) return run.close();
          s.birthday = run;
          this.birthdays.set(runId, run);
          run.start((i) => probeTo(socketAddress(runId, i, theirs.host, theirs.port)));
        },
        () => (this.birthdayProbing = false),
      );
    }
  }

  private onMessage(session: number, payload: Uint8Array, from: string): void {
    const s = this.links.get(session);
    const peer = s?.peer;
    if (!s || !peer) return;
    const decoded = decodeMessage(payload);
    const m = decoded.ok ? PEER_PROTOCOL.decode(decoded.value) : null;
    if (!m?.ok) {
      this.stats.malformed++;
      return;
    }
    const driver = this.driver;
    const direct = !isRelay(from);
    if (m.value.name === 'peer-probe') {
      // Answered where it came from; an address not offered is a peer-reflexive candidate, checked too.
      driver?.sendTo(session, encodeMessage(PeerProbeAck.toMessage({ nonce: m.value.value.nonce }, 0)), from);
      const at = parseEndpoint(from);
      if (direct && at) s.checks?.addPeerReflexive(at.host, at.port);
      return;
    }
    if (m.value.name === 'peer-probe-ack') {
      if (!direct) return;
      s.checks?.succeeded();
      if (s.direct === null) s.direct = from;
      if (isRelay(this.endpoint.addressOf(session))) this.goDirect(s, from);
      return;
    }
    // Anything else moves the session to where it came from, but never from a direct path back to a relay.
    const here = this.endpoint.addressOf(session);
    if (here !== null && from !== here && (direct || isRelay(here))) {
      driver?.moveTo(session, from);
      if (direct) this.nowDirect(s, from);
    }
    if (m.value.name === 'peer-path') return;
    if (m.value.name === 'peer-candidates') return this.startChecks(s, m.value.value);
    const { requestId } = m.value;
    s.lastUsed = this.clock();
    if (m.value.name === 'peer-call' || m.value.name === 'peer-call-ack' || m.value.name === 'peer-media') {
      this.o.onCall?.(m.value, { ...peer, key: s.key });
      return;
    }
    if (m.value.name === 'peer-echo') {
      driver?.send(session, encodeMessage(PeerEchoReply.toMessage({ data: m.value.value.data }, requestId)));
      return;
    }
    if (m.value.name === 'peer-echo-reply') {
      this.echoes.get(requestId)?.(m.value.value.data);
      return;
    }
    if (m.value.name === 'peer-ack') {
      this.waiting.get(requestId)?.done(m.value.value.accepted);
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

  /** A probe to `address` was answered: the session moves there, the other device is told, the allocation is let go. */
  private goDirect(s: LinkState, address: string): void {
    // The relay still carries what is on its way (it lingers): nothing to send again.
    this.moveTo(s, address, false);
    this.nowDirect(s, address);
  }

  private nowDirect(s: LinkState, address: string): void {
    s.direct = address;
    const landed = parseSocketAddress(address);
    if (landed && landed.run === s.birthday?.run) {
      s.birthday.keep(landed.index);
      this.birthdayProbing = false;
    }
    if (s.directAfterMs === null) {
      s.directAfterMs = this.clock() - s.since;
      this.stats.madeDirect++;
    }
    this.dropLeg(s, RELAY_LINGER_MS);
    for (const wake of [...(this.directWaiters.get(s.key) ?? [])]) wake();
  }

  /** Closes every session and the socket; waiting sends answer false. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const w of [...this.waiting.values()]) w.done(false);
    for (const e of [...this.echoes.values()]) e(new Uint8Array(0));
    for (const waiters of [...this.directWaiters.values()]) for (const wake of [...waiters]) wake();
    for (const session of [...this.links.keys()]) this.forget(session);
    for (const run of this.birthdays.values()) run.close();
    await this.driver?.close();
    this.driver = null;
  }
}
