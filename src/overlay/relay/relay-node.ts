/**
 * One supernode's relays (messages.ts), sans-I/O: an identified client opens an allocation to a
 * device that has a session here; from then on each end's `relay-send` reaches the other end as
 * `relay-data`, and nobody else's. Allocations have named limits (RelayLimits: lifetime, idle
 * time, bytes, byte rate) and a quota per user; an allocation whose end's session closes is closed
 * and the other end told. Time comes in as `now`; allocation ids from `random`.
 */

import { BoundedQueue } from '../../util/bounded-queue.js';
import { TokenBuckets } from '../../util/token-buckets.js';
import { checkUsername } from '../../login/username.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../wire/index.js';
import { DirectoryError } from '../directory/messages.js';
import type { ClientIdentity } from '../offline/offline-node.js';
import { RELAY_ALLOCATION_BYTES, RELAY_CLIENT_PROTOCOL, RelayClosed, RelayData, RelayOpened } from './messages.js';

/** Limits of relaying at one supernode. */
export interface RelayLimits {
  /** An allocation lasts at most this long from its opening (then it is opened again). */
  readonly lifetimeMs: number;
  /** An allocation with neither data nor a refresh for this long closes. */
  readonly idleMs: number;
  /** Bytes an allocation carries at most, both ways together. */
  readonly bytesMax: number;
  /** Bytes an allocation carries per second, sustained, both ways together (beyond it datagrams are dropped)... */
  readonly bytesPerSecond: number;
  /** ... and in a burst. */
  readonly burstBytes: number;
  /** Allocations one user (account) holds open at once, over all its devices. */
  readonly perUser: number;
  /** Allocations held at once. */
  readonly allocationsMax: number;
  /** Messages waiting to be polled; beyond it the oldest are dropped and counted. */
  readonly outboxMax: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = Object.freeze({
  lifetimeMs: 4 * 60 * 60 * 1000, // a long call; the opener opens a new one after
  idleMs: 30_000, // the ends refresh every second while they use it
  bytesMax: 4 * 1024 ** 3, // hours of voice (5 kB/s) or a large file
  bytesPerSecond: 512 * 1024, // voice is ~5 kB/s; this leaves room for files and video
  burstBytes: 1024 * 1024,
  perUser: 16,
  allocationsMax: 20_000,
  outboxMax: 100_000,
});

/** How often expired allocations are looked for. */
export const RELAY_SWEEP_MS = 1_000;

/** What relaying counted. */
export interface RelayStats {
  opened: number;
  closed: number;
  /** Datagrams and bytes passed to the other end. */
  relayed: number;
  relayedBytes: number;
  /** Opens refused (not identified, quota, no such device here, full). */
  refused: number;
  /** Datagrams dropped: unknown allocation, not an end of it, over its rate. */
  dropped: number;
  malformed: number;
  outboxDropped: number;
}

interface Allocation {
  readonly id: string;
  readonly owner: string;
  readonly ownerAccount: string;
  readonly peer: string;
  readonly openedAt: number;
  lastActive: number;
  bytes: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Relaying at one supernode. */
export class RelayNode {
  readonly stats: RelayStats = { opened: 0, closed: 0, relayed: 0, relayedBytes: 0, refused: 0, dropped: 0, malformed: 0, outboxDropped: 0 };
  private readonly limits: RelayLimits;
  private readonly outbox: BoundedQueue<{ client: string; bytes: Uint8Array }>;
  private readonly allocations = new Map<string, Allocation>();
  /** Allocation ids by the client sessions at their ends. */
  private readonly byClient = new Map<string, Set<string>>();
  private readonly perUser = new Map<string, number>();
  private readonly rates: TokenBuckets;
  private lastSweep = 0;

  /** `sessionsOf(account, device)`: this supernode's client sessions identified as that device. */
  constructor(
    private readonly sessionsOf: (accountKey: string, deviceId: Uint8Array) => readonly string[],
    private readonly random: (n: number) => Uint8Array,
    limits: Partial<RelayLimits> = {},
  ) {
    this.limits = { ...DEFAULT_RELAY_LIMITS, ...limits };
    this.outbox = new BoundedQueue(this.limits.outboxMax);
    this.rates = new TokenBuckets({ perSecond: this.limits.bytesPerSecond, burst: this.limits.burstBytes, keysMax: this.limits.allocationsMax });
  }

  /** Allocations open now. */
  get size(): number {
    return this.allocations.size;
  }

  private send(client: string, m: WireMessage): void {
    this.outbox.push({ client, bytes: encodeMessage(m, { compressed: m.command !== RelayData.command }) });
    this.stats.outboxDropped = this.outbox.dropped;
  }

  /** A message from one of this supernode's clients (`identity`: who it said hello as, or null). */
  handleClient(client: string, identity: ClientIdentity | null, bytes: Uint8Array, now: number): void {
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? RELAY_CLIENT_PROTOCOL.decode(decoded.value) : null;
    const requestId = decoded.ok ? decoded.value.requestId : 0;
    if (!r?.ok) {
      this.stats.malformed++;
      this.send(client, DirectoryError.toMessage({ code: 'BAD_REQUEST', reason: r ? r.error.message : 'not a wire message' }, requestId));
      return;
    }
    const m = r.value;
    if (m.name === 'relay-open') return this.open(client, identity, m.value.recipient, m.value.deviceId, requestId, now);
    const a = this.allocations.get(hex(m.value.allocation));
    const end = a && (a.owner === client ? a.peer : a.peer === client ? a.owner : null);
    if (!a || !end || this.expired(a, now)) {
      if (a && end) this.close(a, 'EXPIRED');
      this.stats.dropped++;
      if (m.name === 'relay-refresh') this.send(client, DirectoryError.toMessage({ code: 'NOT_FOUND', reason: 'no such allocation here' }, requestId));
      return;
    }
    if (m.name === 'relay-refresh') {
      a.lastActive = now;
      this.send(client, RelayOpened.toMessage(this.left(a, now), requestId));
    } else if (m.name === 'relay-close') {
      this.close(a, 'CLOSED', client);
    } else {
      const n = m.value.data.length;
      if (!this.rates.take(a.id, now, n)) {
        this.stats.dropped++;
        return;
      }
      if (a.bytes + n > this.limits.bytesMax) return this.close(a, 'BYTES');
      a.bytes += n;
      a.lastActive = now;
      this.stats.relayed++;
      this.stats.relayedBytes += n;
      this.send(end, RelayData.toMessage({ allocation: m.value.allocation, data: m.value.data }));
    }
  }

  private open(client: string, identity: ClientIdentity | null, recipient: string, deviceId: Uint8Array, requestId: number, now: number): void {
    const refuse = (code: string, reason: string): void => {
      this.stats.refused++;
      this.send(client, DirectoryError.toMessage({ code, reason }, requestId));
    };
    if (!identity) return refuse('NOT_IDENTIFIED', "say hello with this device's certificate first");
    const name = checkUsername(recipient);
    if (!name.ok) return refuse('USERNAME_INVALID', name.reason);
    const peer = this.sessionsOf(name.key, deviceId)[0];
    if (peer === undefined) return refuse('NOT_ATTACHED', 'that device has no session at this supernode');
    if (peer === client) return refuse('BAD_REQUEST', 'a device does not relay to itself');
    const held = this.perUser.get(identity.accountKey) ?? 0;
    if (held >= this.limits.perUser) return refuse('QUOTA', `a user holds at most ${this.limits.perUser} relay allocations at once`);
    if (this.allocations.size >= this.limits.allocationsMax) return refuse('BUSY', 'this supernode relays all it can; try another');
    let id = hex(this.random(RELAY_ALLOCATION_BYTES));
    while (this.allocations.has(id)) id = hex(this.random(RELAY_ALLOCATION_BYTES));
    const a: Allocation = { id, owner: client, ownerAccount: identity.accountKey, peer, openedAt: now, lastActive: now, bytes: 0 };
    this.allocations.set(id, a);
    for (const c of [client, peer]) this.byClient.set(c, (this.byClient.get(c) ?? new Set()).add(id));
    this.perUser.set(identity.accountKey, held + 1);
    this.stats.opened++;
    this.send(client, RelayOpened.toMessage(this.left(a, now), requestId));
  }

  private left(a: Allocation, now: number): { allocation: Uint8Array; lifetimeMs: number; bytesLeft: number; bytesPerSecond: number } {
    return { allocation: Buffer.from(a.id, 'hex'), lifetimeMs: Math.max(0, a.openedAt + this.limits.lifetimeMs - now), bytesLeft: this.limits.bytesMax - a.bytes, bytesPerSecond: this.limits.bytesPerSecond };
  }

  private expired(a: Allocation, now: number): boolean {
    return now - a.openedAt >= this.limits.lifetimeMs || now - a.lastActive >= this.limits.idleMs;
  }

  /** Closes an allocation and tells its ends (but `quiet`, the end that asked). */
  private close(a: Allocation, code: string, quiet?: string): void {
    this.allocations.delete(a.id);
    this.rates.forget(a.id);
    for (const c of [a.owner, a.peer]) {
      const set = this.byClient.get(c);
      set?.delete(a.id);
      if (set?.size === 0) this.byClient.delete(c);
      if (c !== quiet) this.send(c, RelayClosed.toMessage({ allocation: Buffer.from(a.id, 'hex'), code }));
    }
    const held = (this.perUser.get(a.ownerAccount) ?? 1) - 1;
    if (held > 0) this.perUser.set(a.ownerAccount, held);
    else this.perUser.delete(a.ownerAccount);
    this.stats.closed++;
  }

  /** A client's session closed (or it said hello as someone else): its allocations close, their other ends are told. */
  clientClosed(client: string): void {
    for (const id of [...(this.byClient.get(client) ?? [])]) {
      const a = this.allocations.get(id);
      if (a) this.close(a, 'GONE', client);
    }
  }

  /** When handleTimeout should next run; null with no allocations. */
  nextDeadline(): number | null {
    return this.allocations.size === 0 ? null : this.lastSweep + RELAY_SWEEP_MS;
  }

  /** Closes the allocations that expired (at most once per RELAY_SWEEP_MS). */
  handleTimeout(now: number): void {
    if (now - this.lastSweep < RELAY_SWEEP_MS) return;
    this.lastSweep = now;
    for (const a of [...this.allocations.values()]) if (this.expired(a, now)) this.close(a, 'EXPIRED');
  }

  /** The next message to send to a client, or null. */
  poll(): { client: string; bytes: Uint8Array } | null {
    return this.outbox.shift() ?? null;
  }
}
