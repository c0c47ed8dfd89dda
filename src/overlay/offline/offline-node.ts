/**
 * One supernode's part of the offline message store, sans-I/O beside DirectoryNode (DESIGN.md:
 * "Offline messages: stored, end-to-end encrypted, at the recipient's slot replicas until every
 * device of the recipient has acknowledged them or they expire"). For its clients it puts a
 * message to every replica of the recipient's slot, fetches a device's waiting messages from all
 * of them (their union: a replica that missed a put does not hide a message), and passes
 * acknowledgements on. As a replica it stores with quotas and removes a message once every
 * device the directory knows for the account has acknowledged it. Slots move with the
 * membership like directory records: pulled when gained, handed over on leave.
 */

import { BoundedQueue } from '../../util/bounded-queue.js';
import { checkUsername } from '../../login/username.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../wire/index.js';
import { DirectoryError } from '../directory/messages.js';
import type { MembershipTable } from '../membership/table.js';
import { Ring, type MemberId } from '../ring.js';
import { SlotHoldings } from '../slot-holdings.js';
import { slotOf } from '../slots.js';
import {
  OFFLINE_CLIENT_PROTOCOL,
  OFFLINE_PEER_PROTOCOL,
  OfflineAckPut,
  OfflineGet,
  OfflineHeld,
  OfflineMessages,
  OfflinePut,
  OfflinePutResult,
  OfflineSent,
  OfflineSlot,
  OfflineSlotPull,
} from './messages.js';
import { DEFAULT_OFFLINE_QUOTAS, OFFLINE_TTL_DEFAULT_MS, OFFLINE_TTL_MAX_MS, type OfflineQuotas, type OfflineStorage, type StoredMessage } from './storage.js';

/** Timers and limits. */
export interface OfflineLimits {
  readonly quotas: OfflineQuotas;
  /** A send or fetch gives up on replicas that have not answered after this long. */
  readonly requestTimeoutMs: number;
  /** Blob bytes in one answer to a fetch (at least one message); the client fetches again for more. */
  readonly fetchBytesMax: number;
  /** Expired messages are swept this often. */
  readonly sweepIntervalMs: number;
  /** Messages of a slot no longer held are kept this long. */
  readonly handoffGraceMs: number;
  /** Sends and fetches in flight for clients at most. */
  readonly pendingMax: number;
  readonly outboxMax: number;
}

/** The defaults. */
export const DEFAULT_OFFLINE_LIMITS: OfflineLimits = Object.freeze({
  quotas: DEFAULT_OFFLINE_QUOTAS,
  requestTimeoutMs: 3_000,
  fetchBytesMax: 48_000, // with its envelope, an answer fits one transport packet (65,000 bytes)
  sweepIntervalMs: 10 * 60_000,
  handoffGraceMs: 60_000,
  pendingMax: 100_000,
  outboxMax: 100_000,
});

/** Who a client session is (from its device certificate). */
export interface ClientIdentity {
  readonly accountKey: string;
  readonly deviceId: Uint8Array;
}

/** A message to send: to another supernode, or to one of this supernode's clients. */
export interface OfflineOutgoing {
  readonly to: { readonly peer: MemberId } | { readonly client: string };
  readonly bytes: Uint8Array;
}

/** What the offline store counted. */
export interface OfflineStats {
  sent: number;
  refused: number;
  fetched: number;
  acked: number;
  expired: number;
  malformed: number;
  outboxDropped: number;
}

interface SendState {
  readonly client: string;
  readonly clientRequest: number;
  readonly replicas: number;
  outstanding: number;
  stored: number;
  code: string | null;
  readonly deadline: number;
}

interface FetchState {
  readonly client: string;
  readonly clientRequest: number;
  outstanding: number;
  readonly found: Map<string, { id: Uint8Array; sender: string; blob: Uint8Array; storedAt: number; expiresAt: number }>;
  readonly deadline: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const encode = (m: WireMessage): Uint8Array => encodeMessage(m, { compressed: true });

/** The offline store of one supernode. */
export class OfflineNode {
  readonly stats: OfflineStats = { sent: 0, refused: 0, fetched: 0, acked: 0, expired: 0, malformed: 0, outboxDropped: 0 };
  private readonly limits: OfflineLimits;
  private readonly outbox: BoundedQueue<OfflineOutgoing>;
  private nextRequest = 1;
  private readonly peerRequests = new Map<number, { kind: 'send' | 'fetch'; id: number; deadline: number }>();
  private readonly sends = new Map<number, SendState>();
  private readonly fetches = new Map<number, FetchState>();
  private readonly holdings: SlotHoldings;
  private nextSweepAt: number;

  constructor(
    private readonly self: MemberId,
    private readonly table: MembershipTable,
    private readonly storage: OfflineStorage,
    /** The device ids the directory holds live records for (the devices that must acknowledge). */
    private readonly devicesOf: (accountKey: string, now: number) => Uint8Array[],
    now: number,
    limits: Partial<OfflineLimits> = {},
  ) {
    this.limits = { ...DEFAULT_OFFLINE_LIMITS, ...limits };
    this.outbox = new BoundedQueue(this.limits.outboxMax);
    this.holdings = new SlotHoldings(this.limits.handoffGraceMs);
    this.nextSweepAt = now + this.limits.sweepIntervalMs;
  }

  poll(): OfflineOutgoing | null {
    return this.outbox.shift() ?? null;
  }

  private send(to: OfflineOutgoing['to'], m: WireMessage): void {
    if ('peer' in to && to.peer === this.self) return;
    this.outbox.push({ to, bytes: encode(m) });
    this.stats.outboxDropped = this.outbox.dropped;
  }

  private replicasOf(accountKey: string): MemberId[] {
    return [...this.table.ring().replicasOf(slotOf(accountKey, this.table.slots))];
  }

  /** Stores one message here; the outcome. */
  private storeHere(recipient: string, sender: string, id: Uint8Array, blob: Uint8Array, now: number, expiresAt: number): string {
    const m: StoredMessage = { id, recipient, sender, slot: slotOf(recipient, this.table.slots), blob, storedAt: now, expiresAt };
    return this.storage.append(m, this.limits.quotas);
  }

  /** A device's waiting messages here, within the byte budget. */
  private pendingHere(recipient: string, deviceId: Uint8Array, now: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    let bytes = 0;
    for (const m of this.storage.pending(recipient, deviceId, now, 256)) {
      if (out.length > 0 && bytes + m.blob.length > this.limits.fetchBytesMax) break;
      out.push(m);
      bytes += m.blob.length;
    }
    return out;
  }

  private ackHere(recipient: string, deviceId: Uint8Array, ids: readonly Uint8Array[], now: number): void {
    const devices = this.devicesOf(recipient, now);
    if (!devices.some((d) => Buffer.from(d).equals(deviceId))) devices.push(deviceId);
    this.storage.ack(recipient, deviceId, ids, devices);
    this.stats.acked += ids.length;
  }

  /** Handles a message from another supernode. */
  handlePeer(from: MemberId, bytes: Uint8Array, now: number): void {
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? OFFLINE_PEER_PROTOCOL.decode(decoded.value) : null;
    if (!r?.ok) {
      this.stats.malformed++;
      return;
    }
    const m = r.value;
    const id = m.requestId;
    switch (m.name) {
      case 'offline-put': {
        const v = m.value;
        if (v.expiresAt <= now || v.expiresAt > now + OFFLINE_TTL_MAX_MS) {
          this.send({ peer: from }, OfflinePutResult.toMessage({ stored: 0, code: 'BAD_EXPIRY' }, id));
          break;
        }
        const outcome = this.storeHere(v.recipient, v.sender, v.id, v.blob, now, v.expiresAt);
        const ok = outcome === 'stored' || outcome === 'duplicate';
        this.send({ peer: from }, OfflinePutResult.toMessage(ok ? { stored: 1 } : { stored: 0, code: outcome }, id));
        break;
      }
      case 'offline-put-result': {
        const p = this.peerRequests.get(id);
        if (p?.kind !== 'send') break;
        this.peerRequests.delete(id);
        const s = this.sends.get(p.id);
        if (!s) break;
        s.outstanding--;
        if (m.value.stored === 1) s.stored++;
        else s.code ??= m.value.code ?? 'REFUSED';
        if (s.outstanding <= 0) this.finishSend(p.id);
        break;
      }
      case 'offline-get':
        this.send({ peer: from }, OfflineHeld.toMessage({ messages: this.pendingHere(m.value.recipient, m.value.deviceId, now).map((x) => ({ id: x.id, sender: x.sender, blob: x.blob, storedAt: x.storedAt, expiresAt: x.expiresAt })) }, id));
        break;
      case 'offline-held': {
        const p = this.peerRequests.get(id);
        if (p?.kind !== 'fetch') break;
        this.peerRequests.delete(id);
        const f = this.fetches.get(p.id);
        if (!f) break;
        for (const x of m.value.messages) f.found.set(hex(x.id), x);
        f.outstanding--;
        if (f.outstanding <= 0) this.finishFetch(p.id, now);
        break;
      }
      case 'offline-ack-put':
        this.ackHere(m.value.recipient, m.value.deviceId, m.value.ids, now);
        break;
      case 'offline-slot-pull':
        this.sendSlot(from, m.value.slot, now);
        break;
      case 'offline-slot':
        for (const x of m.value.messages) {
          if (slotOf(x.recipient, this.table.slots) !== m.value.slot || x.message.expiresAt <= now) continue;
          this.storage.append({ id: x.message.id, recipient: x.recipient, sender: x.message.sender, slot: m.value.slot, blob: x.message.blob, storedAt: x.message.storedAt, expiresAt: x.message.expiresAt }, this.limits.quotas);
          for (const d of x.ackedBy) this.storage.ack(x.recipient, d, [x.message.id], []);
        }
        break;
    }
  }

  private sendSlot(to: MemberId, slot: number, now: number): void {
    let batch: { recipient: string; message: { id: Uint8Array; sender: string; blob: Uint8Array; storedAt: number; expiresAt: number }; ackedBy: Uint8Array[] }[] = [];
    let bytes = 0;
    const flush = (): void => {
      if (batch.length > 0) this.send({ peer: to }, OfflineSlot.toMessage({ slot, messages: batch }));
      batch = [];
      bytes = 0;
    };
    for (const { message: x, ackedBy } of this.storage.slot(slot, now)) {
      if (batch.length > 0 && bytes + x.blob.length > this.limits.fetchBytesMax) flush();
      batch.push({ recipient: x.recipient, message: { id: x.id, sender: x.sender, blob: x.blob, storedAt: x.storedAt, expiresAt: x.expiresAt }, ackedBy });
      bytes += x.blob.length;
    }
    flush();
  }

  /** Handles a message from one of this supernode's clients (`identity`: null until it said hello). */
  handleClient(client: string, identity: ClientIdentity | null, bytes: Uint8Array, now: number): void {
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? OFFLINE_CLIENT_PROTOCOL.decode(decoded.value) : null;
    const requestId = decoded.ok ? decoded.value.requestId : 0;
    const refuse = (code: string, reason: string): void => this.send({ client }, DirectoryError.toMessage({ code, reason }, requestId));
    if (!r?.ok) {
      this.stats.malformed++;
      refuse('BAD_REQUEST', r ? r.error.message : 'not a wire message');
      return;
    }
    const m = r.value;
    if (m.name === 'hello') return; // the runtime answers hello (it knows the session's key)
    if (!identity) return refuse('NOT_IDENTIFIED', 'say hello with this device\'s certificate first');
    if (this.sends.size + this.fetches.size >= this.limits.pendingMax) return refuse('BUSY', 'too many requests in flight; try again');
    switch (m.name) {
      case 'offline-send': {
        const name = checkUsername(m.value.recipient);
        if (!name.ok) return refuse('USERNAME_INVALID', name.reason);
        const ttl = m.value.ttlMs ?? OFFLINE_TTL_DEFAULT_MS;
        if (ttl <= 0 || ttl > OFFLINE_TTL_MAX_MS) return refuse('BAD_TTL', `a message lives 1 ms to ${OFFLINE_TTL_MAX_MS} ms`);
        const expiresAt = now + ttl;
        const replicas = this.replicasOf(name.key);
        const n = this.nextRequest++;
        const s: SendState = { client, clientRequest: requestId, replicas: replicas.length, outstanding: replicas.length, stored: 0, code: null, deadline: now + this.limits.requestTimeoutMs };
        this.sends.set(n, s);
        for (const replica of replicas) {
          if (replica === this.self) {
            const outcome = this.storeHere(name.key, identity.accountKey, m.value.id, m.value.blob, now, expiresAt);
            s.outstanding--;
            if (outcome === 'stored' || outcome === 'duplicate') s.stored++;
            else s.code ??= outcome;
            continue;
          }
          const req = this.nextRequest++;
          this.peerRequests.set(req, { kind: 'send', id: n, deadline: s.deadline });
          this.send({ peer: replica }, OfflinePut.toMessage({ recipient: name.key, sender: identity.accountKey, id: m.value.id, blob: m.value.blob, expiresAt }, req));
        }
        if (s.outstanding <= 0) this.finishSend(n);
        break;
      }
      case 'offline-fetch': {
        const replicas = this.replicasOf(identity.accountKey);
        const n = this.nextRequest++;
        const f: FetchState = { client, clientRequest: requestId, outstanding: 0, found: new Map(), deadline: now + this.limits.requestTimeoutMs };
        this.fetches.set(n, f);
        for (const replica of replicas) {
          if (replica === this.self) {
            for (const x of this.pendingHere(identity.accountKey, identity.deviceId, now)) f.found.set(hex(x.id), x);
            continue;
          }
          f.outstanding++;
          const req = this.nextRequest++;
          this.peerRequests.set(req, { kind: 'fetch', id: n, deadline: f.deadline });
          this.send({ peer: replica }, OfflineGet.toMessage({ recipient: identity.accountKey, deviceId: identity.deviceId }, req));
        }
        if (f.outstanding <= 0) this.finishFetch(n, now);
        break;
      }
      case 'offline-ack':
        for (const replica of this.replicasOf(identity.accountKey)) {
          if (replica === this.self) this.ackHere(identity.accountKey, identity.deviceId, m.value.ids, now);
          else this.send({ peer: replica }, OfflineAckPut.toMessage({ recipient: identity.accountKey, deviceId: identity.deviceId, ids: m.value.ids }));
        }
        break;
    }
  }

  private finishSend(n: number): void {
    const s = this.sends.get(n);
    if (!s) return;
    this.sends.delete(n);
    if (s.stored > 0) this.stats.sent++;
    else this.stats.refused++;
    this.send({ client: s.client }, OfflineSent.toMessage({ stored: s.stored, replicas: s.replicas, ...(s.stored === 0 && s.code ? { code: s.code } : {}) }, s.clientRequest));
  }

  private finishFetch(n: number, now: number): void {
    const f = this.fetches.get(n);
    if (!f) return;
    this.fetches.delete(n);
    const all = [...f.found.values()].filter((x) => x.expiresAt > now).sort((a, b) => a.storedAt - b.storedAt || (hex(a.id) < hex(b.id) ? -1 : 1));
    const out: typeof all = [];
    let bytes = 0;
    for (const x of all) {
      if (out.length > 0 && bytes + x.blob.length > this.limits.fetchBytesMax) break;
      out.push(x);
      bytes += x.blob.length;
    }
    this.stats.fetched += out.length;
    this.send({ client: f.client }, OfflineMessages.toMessage({ messages: out }, f.clientRequest));
  }

  /** After the membership changed: pull gained slots, let go of lost ones after the grace period. */
  membershipChanged(now: number): void {
    const ring = this.table.ring();
    for (const slot of this.holdings.update(ring, this.self, now)) {
      for (const replica of ring.replicasOf(slot)) if (replica !== this.self) this.send({ peer: replica }, OfflineSlotPull.toMessage({ slot }));
    }
  }

  /** Before leaving: every held slot's messages to the replicas it will have without this supernode. */
  handOver(now: number): void {
    const ring = new Ring(
      this.table.alive().filter((m) => m !== this.self),
      this.table.slots,
      this.table.replicas,
    );
    for (const slot of this.holdings.slots()) for (const replica of ring.replicasOf(slot)) this.sendSlot(replica, slot, now);
  }

  handleTimeout(now: number): void {
    for (const [n, s] of this.sends) if (now >= s.deadline) this.finishSend(n);
    for (const [n, f] of this.fetches) if (now >= f.deadline) this.finishFetch(n, now);
    for (const [req, p] of this.peerRequests) if (now >= p.deadline) this.peerRequests.delete(req);
    for (const slot of this.holdings.takeReleased(now)) this.storage.dropSlot(slot);
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + this.limits.sweepIntervalMs;
      this.stats.expired += this.storage.expire(now);
    }
  }

  nextDeadline(): number {
    const ds = [this.nextSweepAt];
    for (const s of this.sends.values()) ds.push(s.deadline);
    for (const f of this.fetches.values()) ds.push(f.deadline);
    const release = this.holdings.nextRelease();
    if (release !== null) ds.push(release);
    return Math.min(...ds);
  }

  /** Messages and bytes stored here. */
  size(): { messages: number; bytes: number } {
    return this.storage.size();
  }
}
