/**
 * One supernode's part of forwarding (messages.ts), sans-I/O: from its identified clients it
 * takes blobs for another user's device and passes them to the supernodes that device's record
 * names (at most 4, those alive in the table; itself included); from other supernodes it takes
 * such blobs and pushes them to its sessions of that device. Blobs are opaque (end-to-end
 * envelopes): a supernode learns only who talks to whom, as it would from the offline store.
 * Each client has a token bucket, so one device cannot make its supernode flood others.
 */

import { BoundedQueue } from '../../util/bounded-queue.js';
import { TokenBuckets } from '../../util/token-buckets.js';
import { checkUsername } from '../../login/username.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../wire/index.js';
import { DirectoryError } from '../directory/messages.js';
import type { MembershipTable } from '../membership/table.js';
import type { ClientIdentity } from '../offline/offline-node.js';
import type { MemberId } from '../ring.js';
import { FORWARD_CLIENT_PROTOCOL, FORWARD_PEER_PROTOCOL, FORWARD_TARGETS_MAX, Forwarded, ForwardResult, PeerForward } from './messages.js';

/** Limits. */
export interface ForwardLimits {
  /** Forwards a client may send per second, sustained. */
  readonly perClientPerSecond: number;
  /** ... and in a burst. */
  readonly perClientBurst: number;
  /** Clients whose buckets are remembered (least recently used forgotten first). */
  readonly bucketsMax: number;
  /** Messages waiting to be polled; beyond it the oldest are dropped and counted. */
  readonly outboxMax: number;
}

export const DEFAULT_FORWARD_LIMITS: ForwardLimits = Object.freeze({
  perClientPerSecond: 50,
  perClientBurst: 200,
  bucketsMax: 100_000,
  outboxMax: 100_000,
});

/** What forwarding counted. */
export interface ForwardStats {
  /** Blobs taken from clients and passed on. */
  forwarded: number;
  /** Blobs pushed to a session here. */
  delivered: number;
  /** Blobs for a device with no session here (it moved, or went offline). */
  undeliverable: number;
  /** Forwards refused (not identified, rate, no target). */
  refused: number;
  malformed: number;
  outboxDropped: number;
}

/** Where a message goes: another supernode, or one of this supernode's clients. */
export type ForwardDestination = { readonly peer: MemberId } | { readonly client: string };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const encode = (m: WireMessage): Uint8Array => encodeMessage(m, { compressed: true });

/** Forwarding at one supernode. */
export class ForwardNode {
  readonly stats: ForwardStats = { forwarded: 0, delivered: 0, undeliverable: 0, refused: 0, malformed: 0, outboxDropped: 0 };
  private readonly limits: ForwardLimits;
  private readonly outbox: BoundedQueue<{ to: ForwardDestination; bytes: Uint8Array }>;
  private readonly buckets: TokenBuckets;

  /** `sessionsOf(account, device)`: this supernode's client sessions identified as that device. */
  constructor(
    private readonly self: MemberId,
    private readonly table: MembershipTable,
    private readonly sessionsOf: (accountKey: string, deviceId: Uint8Array) => readonly string[],
    limits: Partial<ForwardLimits> = {},
  ) {
    this.limits = { ...DEFAULT_FORWARD_LIMITS, ...limits };
    this.outbox = new BoundedQueue(this.limits.outboxMax);
    this.buckets = new TokenBuckets({ perSecond: this.limits.perClientPerSecond, burst: this.limits.perClientBurst, keysMax: this.limits.bucketsMax });
  }

  private send(to: ForwardDestination, m: WireMessage): void {
    this.outbox.push({ to, bytes: encode(m) });
    this.stats.outboxDropped = this.outbox.dropped;
  }

  /** A message from one of this supernode's clients (`identity`: who it said hello as, or null). */
  handleClient(client: string, identity: ClientIdentity | null, bytes: Uint8Array, now: number): void {
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? FORWARD_CLIENT_PROTOCOL.decode(decoded.value) : null;
    const requestId = decoded.ok ? decoded.value.requestId : 0;
    const refuse = (code: string, reason: string): void => {
      this.stats.refused++;
      this.send({ client }, DirectoryError.toMessage({ code, reason }, requestId));
    };
    if (!r?.ok) {
      this.stats.malformed++;
      this.send({ client }, DirectoryError.toMessage({ code: 'BAD_REQUEST', reason: r ? r.error.message : 'not a wire message' }, requestId));
      return;
    }
    const m = r.value.value;
    if (!identity) return refuse('NOT_IDENTIFIED', "say hello with this device's certificate first");
    const name = checkUsername(m.recipient);
    if (!name.ok) return refuse('USERNAME_INVALID', name.reason);
    if (m.supernodes.length > FORWARD_TARGETS_MAX) return refuse('BAD_REQUEST', `at most ${FORWARD_TARGETS_MAX} supernodes`);
    if (!this.buckets.take(client, now)) return refuse('RATE_LIMITED', `at most ${this.limits.perClientPerSecond} forwards a second`);
    const targets = [...new Set(m.supernodes.map(hex))].filter((id) => id === this.self || this.table.isAlive(id));
    if (targets.length === 0) return refuse('NOT_ATTACHED', 'none of those supernodes is alive: the device is offline (use the offline store)');
    const peer = { recipient: name.key, deviceId: m.deviceId, sender: identity.accountKey, senderDevice: identity.deviceId, blob: m.blob };
    for (const t of targets) {
      if (t === this.self) this.deliver(peer);
      else this.send({ peer: t }, PeerForward.toMessage(peer));
    }
    this.stats.forwarded++;
    this.send({ client }, ForwardResult.toMessage({ sent: targets.length }, requestId));
  }

  /** A message from another supernode (a member: the runtime checks). */
  handlePeer(_from: MemberId, bytes: Uint8Array): void {
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? FORWARD_PEER_PROTOCOL.decode(decoded.value) : null;
    if (!r?.ok) {
      this.stats.malformed++;
      return;
    }
    this.deliver(r.value.value);
  }

  private deliver(p: { recipient: string; deviceId: Uint8Array; sender: string; senderDevice: Uint8Array; blob: Uint8Array }): void {
    const sessions = this.sessionsOf(p.recipient, p.deviceId);
    if (sessions.length === 0) {
      this.stats.undeliverable++;
      return;
    }
    for (const client of sessions) this.send({ client }, Forwarded.toMessage({ sender: p.sender, senderDevice: p.senderDevice, blob: p.blob }));
    this.stats.delivered++;
  }

  /** A client's session closed. */
  clientClosed(client: string): void {
    this.buckets.forget(client);
  }

  /** The next message to send, or null. */
  poll(): { to: ForwardDestination; bytes: Uint8Array } | null {
    return this.outbox.shift() ?? null;
  }
}
