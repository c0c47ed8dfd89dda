/**
 * One supernode's part of the directory, sans-I/O (DESIGN.md, "Directory"): as a replica it
 * stores the verified records of the slots it holds; for its clients it publishes their records
 * at the slot's replicas and looks users up there, one overlay hop away. Lookups ask one replica
 * and, after `hedgeDelayMs` without a good answer, a second (then the rest); every record a
 * replica returns is verified again, so a replica that forges or alters one only slows a lookup
 * down. When the membership changes, a supernode that gained a slot pulls it from the slot's
 * other replicas; records of slots it no longer holds are dropped after a grace period; a
 * supernode that leaves hands its slots to their new replicas first. Watches: a supernode
 * subscribes at the replicas for its clients and passes record changes on.
 */

import { BoundedQueue } from '../../util/bounded-queue.js';
import { checkUsername } from '../../login/username.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../wire/index.js';
import type { MembershipTable } from '../membership/table.js';
import { Ring, type MemberId } from '../ring.js';
import { SlotHoldings } from '../slot-holdings.js';
import { slotOf } from '../slots.js';
import { supersedes, verifyUserRecord, type UserRecordContext, type VerifiedUserRecord } from '../user-record.js';
import {
  DIRECTORY_CLIENT_PROTOCOL,
  DIRECTORY_PEER_PROTOCOL,
  DirectoryError,
  LookupResult,
  Published,
  RecordChanged,
  RecordGet,
  RecordPut,
  RecordPutResult,
  RECORDS_PER_MESSAGE_MAX,
  RecordSet,
  SlotPull,
  SlotRecords,
  Subscribe,
  SupernodeList,
} from './messages.js';

/** Timers and limits, with their wall-time meaning. */
export interface DirectoryLimits {
  /** A lookup unanswered this long also goes to the next replica (hedging). */
  readonly hedgeDelayMs: number;
  /** A lookup or publish gives up after this long. */
  readonly requestTimeoutMs: number;
  /** Records of a slot no longer held are kept this long (a lookup routed by an older table still finds them). */
  readonly handoffGraceMs: number;
  /** Subscriptions at replicas last this long unless renewed; supernodes renew at half. */
  readonly subscriptionTtlMs: number;
  /** Records held at most (all devices, all slots); beyond it new accounts are refused. */
  readonly recordsMax: number;
  /** Watching supernodes per account at a replica. */
  readonly watchersPerAccountMax: number;
  /** Accounts one client may watch through this supernode (a contact list). */
  readonly watchesPerClientMax: number;
  /** Requests in flight for clients at most. */
  readonly pendingMax: number;
  /** Devices whose newest sequence number is remembered (least recently updated forgotten first). */
  readonly seenMax: number;
  /** Records of this supernode's own clients kept for repair (see `attached`). */
  readonly attachedMax: number;
  /** Messages waiting to be polled; beyond it the oldest are dropped and counted. */
  readonly outboxMax: number;
}

/** The defaults. */
export const DEFAULT_DIRECTORY_LIMITS: DirectoryLimits = Object.freeze({
  hedgeDelayMs: 150, // above a typical RTT between supernodes: the second replica is asked only when the first is slow or gone
  requestTimeoutMs: 3_000,
  handoffGraceMs: 60_000,
  subscriptionTtlMs: 10 * 60_000,
  recordsMax: 1_000_000,
  watchersPerAccountMax: 1_000,
  watchesPerClientMax: 2_000,
  pendingMax: 100_000,
  seenMax: 100_000,
  attachedMax: 100_000,
  outboxMax: 100_000,
});

/** Lookup durations kept between two takeLookupDurations calls (the rest are not timed). */
const LOOKUP_DURATIONS_KEPT_MAX = 100_000;

/** Where a message goes: another supernode, or one of this supernode's clients. */
export type Destination = { readonly peer: MemberId } | { readonly client: string };

/** A message to send. */
export interface DirectoryOutgoing {
  readonly to: Destination;
  readonly bytes: Uint8Array;
}

/** What the directory counted. */
export interface DirectoryStats {
  lookups: number;
  lookupsFound: number;
  lookupsFailed: number;
  hedged: number;
  /** Records from replicas that failed verification (forged, altered, stale beyond TTL). */
  badRecordsFromPeers: number;
  recordsStored: number;
  recordsRefused: number;
  malformed: number;
  /** Watches refused because the client watches WATCHES_PER_CLIENT_MAX accounts already. */
  watchesRefused: number;
  outboxDropped: number;
}

interface LookupState {
  readonly startedAt: number;
  readonly client: string;
  readonly clientRequest: number;
  readonly accountKey: string;
  readonly replicas: MemberId[];
  asked: number;
  nextHedgeAt: number;
  readonly deadline: number;
  readonly results: Map<string, VerifiedUserRecord>;
}

interface PublishState {
  readonly client: string;
  readonly clientRequest: number;
  readonly replicas: number;
  outstanding: number;
  stored: number;
  readonly deadline: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const encode = (m: WireMessage): Uint8Array => encodeMessage(m, { compressed: true });

/** The directory of one supernode. */
export class DirectoryNode {
  readonly stats: DirectoryStats = { lookups: 0, lookupsFound: 0, lookupsFailed: 0, hedged: 0, badRecordsFromPeers: 0, recordsStored: 0, recordsRefused: 0, malformed: 0, watchesRefused: 0, outboxDropped: 0 };
  private readonly limits: DirectoryLimits;
  private readonly outbox: BoundedQueue<DirectoryOutgoing>;
  private durations: number[] = [];
  /** account key -> device id (hex) -> record. */
  private readonly records = new Map<string, Map<string, VerifiedUserRecord>>();
  private recordCount = 0;
  private readonly holdings: SlotHoldings;
  private nextRequest = 1;
  /** Our request id to a peer -> the lookup or publish it serves. */
  private readonly peerRequests = new Map<number, ({ kind: 'lookup'; lookup: number } | { kind: 'publish'; publish: number }) & { deadline: number }>();
  private readonly lookups = new Map<number, LookupState>();
  private readonly publishes = new Map<number, PublishState>();
  /** At a replica: account key -> watching supernode -> until when. */
  private readonly watchers = new Map<string, Map<MemberId, number>>();
  /** At a client's supernode: account key -> watching clients, and when to renew at the replicas. */
  private readonly watching = new Map<string, { clients: Set<string>; renewAt: number }>();
  /** At a client's supernode: client -> the account keys it watches (dropped when its session closes). */
  private readonly watchesOf = new Map<string, Set<string>>();
  /**
   * Records published through this supernode (its clients'), with the replicas they went to: when
   * the membership changes the slot's replicas, the record is put to the new ones at once, so a
   * slot whose replicas all failed is whole again as soon as the failure is known, not at the
   * device's next refresh.
   */
  private readonly attached = new Map<string, { record: VerifiedUserRecord; replicas: string }>();
  /** The newest sequence number this supernode has seen per device (published through it or looked up): a replica that answers with an older one is treated as stale. */
  private readonly newestSeen = new Map<string, number>();
  /** The newest sequence number passed to watchers per device, so r replicas' notices reach a client once. */
  private readonly noticed = new Map<string, number>();

  constructor(
    private readonly self: MemberId,
    private readonly table: MembershipTable,
    private readonly verify: Omit<UserRecordContext, 'now'>,
    limits: Partial<DirectoryLimits> = {},
  ) {
    this.limits = { ...DEFAULT_DIRECTORY_LIMITS, ...limits };
    this.outbox = new BoundedQueue(this.limits.outboxMax);
    this.holdings = new SlotHoldings(this.limits.handoffGraceMs);
  }

  /** Durations (ms) of the lookups finished since the last call, for latency metrics. */
  takeLookupDurations(): number[] {
    const d = this.durations;
    this.durations = [];
    return d;
  }

  /** Slots this supernode holds a copy of. */
  get slotsHeld(): number {
    return this.holdings.slots().size;
  }

  /** The next message to send, or null. */
  poll(): DirectoryOutgoing | null {
    return this.outbox.shift() ?? null;
  }

  private send(to: Destination, m: WireMessage): void {
    if ('peer' in to && to.peer === this.self) return;
    this.outbox.push({ to, bytes: encode(m) });
    this.stats.outboxDropped = this.outbox.dropped;
  }

  private seen(r: VerifiedUserRecord): void {
    const key = `${r.body.accountKey}/${hex(r.body.deviceId)}`;
    if ((this.newestSeen.get(key) ?? -1) >= r.body.seq) return;
    this.newestSeen.delete(key);
    if (this.newestSeen.size >= this.limits.seenMax) this.newestSeen.delete(this.newestSeen.keys().next().value as string);
    this.newestSeen.set(key, r.body.seq);
  }

  private isStale(r: VerifiedUserRecord): boolean {
    return (this.newestSeen.get(`${r.body.accountKey}/${hex(r.body.deviceId)}`) ?? -1) > r.body.seq;
  }

  /** Records held now (all devices). */
  get size(): number {
    return this.recordCount;
  }

  /** The records held for an account (verified when stored; expired ones are skipped). */
  recordsOf(accountKey: string, now: number): VerifiedUserRecord[] {
    return [...(this.records.get(accountKey)?.values() ?? [])].filter((r) => r.expiresAt > now);
  }

  /** Stores a verified record if it is newer; true if stored. */
  private store(r: VerifiedUserRecord, now: number): boolean {
    const account = r.body.accountKey;
    let devices = this.records.get(account);
    const device = hex(r.body.deviceId);
    const current = devices?.get(device) ?? null;
    if (current && current.expiresAt <= now) {
      devices?.delete(device);
      this.recordCount--;
    }
    const stored = current && current.expiresAt > now ? current : null;
    if (!supersedes(r, stored)) return false;
    if (!stored && this.recordCount >= this.limits.recordsMax) return false;
    if (!devices) {
      devices = new Map();
      this.records.set(account, devices);
    }
    if (!stored) this.recordCount++;
    devices.set(device, r);
    this.stats.recordsStored++;
    return true;
  }

  private check(bytes: Uint8Array, now: number): VerifiedUserRecord | null {
    const c = verifyUserRecord(bytes, { ...this.verify, now });
    return c.ok ? c.record : null;
  }

  /** The replicas of an account's slot in the current table. */
  private replicasOf(accountKey: string): MemberId[] {
    return [...this.table.ring().replicasOf(slotOf(accountKey, this.table.slots))];
  }

  /** Handles a message from another supernode. */
  handlePeer(from: MemberId, bytes: Uint8Array, now: number): void {
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? DIRECTORY_PEER_PROTOCOL.decode(decoded.value) : null;
    if (!r?.ok) {
      this.stats.malformed++;
      return;
    }
    const m = r.value;
    const id = m.requestId;
    switch (m.name) {
      case 'record-put': {
        const v = verifyUserRecord(m.value.record, { ...this.verify, now });
        if (!v.ok) {
          this.stats.recordsRefused++;
          this.send({ peer: from }, RecordPutResult.toMessage({ stored: 0, code: v.code }, id));
          break;
        }
        const stored = this.store(v.record, now);
        this.send({ peer: from }, RecordPutResult.toMessage(stored ? { stored: 1 } : { stored: 0, code: 'RECORD_NOT_NEWER' }, id));
        if (stored) this.notifyWatchers(v.record, now);
        break;
      }
      case 'record-get':
        this.send({ peer: from }, RecordSet.toMessage({ accountKey: m.value.accountKey, records: this.recordsOf(m.value.accountKey, now).map((x) => x.bytes) }, id));
        break;
      case 'record-put-result': {
        const p = this.peerRequests.get(id);
        if (p?.kind !== 'publish') break;
        this.peerRequests.delete(id);
        const s = this.publishes.get(p.publish);
        if (!s) break;
        s.outstanding--;
        if (m.value.stored === 1 || m.value.code === 'RECORD_NOT_NEWER') s.stored++;
        if (s.outstanding <= 0) this.finishPublish(p.publish);
        break;
      }
      case 'record-set': {
        const p = this.peerRequests.get(id);
        if (p?.kind !== 'lookup') break;
        this.peerRequests.delete(id);
        const l = this.lookups.get(p.lookup);
        if (!l) break;
        let good = 0;
        for (const bytes of m.value.records) {
          const v = this.check(bytes, now);
          if (!v || v.body.accountKey !== l.accountKey || this.isStale(v)) {
            this.stats.badRecordsFromPeers++;
            continue;
          }
          good++;
          const device = hex(v.body.deviceId);
          const had = l.results.get(device);
          if (!had || supersedes(v, had)) l.results.set(device, v);
        }
        // A replica that answered with nothing but bad records did not answer: keep waiting for the others.
        if (good > 0 || m.value.records.length === 0) this.finishLookup(p.lookup, m.value.records.length === 0 && l.asked < l.replicas.length && l.results.size === 0 ? 'maybe-empty' : 'done', now);
        break;
      }
      case 'slot-pull': {
        const records: Uint8Array[] = [];
        for (const [account, devices] of this.records) {
          if (slotOf(account, this.table.slots) !== m.value.slot) continue;
          for (const rec of devices.values()) if (rec.expiresAt > now) records.push(rec.bytes);
        }
        this.sendSlot(from, m.value.slot, records);
        break;
      }
      case 'slot-records':
        for (const bytes of m.value.records) {
          const v = this.check(bytes, now);
          if (!v) {
            this.stats.badRecordsFromPeers++;
            continue;
          }
          if (slotOf(v.body.accountKey, this.table.slots) === m.value.slot && this.store(v, now)) this.notifyWatchers(v, now);
        }
        break;
      case 'subscribe': {
        let w = this.watchers.get(m.value.accountKey);
        if (!w) {
          w = new Map();
          this.watchers.set(m.value.accountKey, w);
        }
        if (w.size < this.limits.watchersPerAccountMax || w.has(from)) w.set(from, now + Math.min(m.value.ttlMs, this.limits.subscriptionTtlMs));
        break;
      }
      case 'record-changed': {
        const v = this.check(m.value.record, now);
        if (!v) {
          this.stats.badRecordsFromPeers++;
          break;
        }
        this.passOn(v);
        break;
      }
      case 'directory-error':
        break;
    }
  }

  private sendSlot(to: MemberId, slot: number, records: Uint8Array[]): void {
    for (let i = 0; i < Math.max(1, records.length); i += RECORDS_PER_MESSAGE_MAX) this.send({ peer: to }, SlotRecords.toMessage({ slot, records: records.slice(i, i + RECORDS_PER_MESSAGE_MAX) }));
  }

  /** At a replica: tells the watching supernodes about a newly stored record. */
  private notifyWatchers(r: VerifiedUserRecord, now: number): void {
    const w = this.watchers.get(r.body.accountKey);
    if (!w) return;
    for (const [watcher, until] of w) {
      if (until <= now) w.delete(watcher);
      else if (watcher === this.self) this.passOn(r);
      else this.send({ peer: watcher }, RecordChanged.toMessage({ record: r.bytes }));
    }
    if (w.size === 0) this.watchers.delete(r.body.accountKey);
  }

  /** At the watchers' supernode: passes a change on to the watching clients, once per sequence number. */
  private passOn(r: VerifiedUserRecord): void {
    const w = this.watching.get(r.body.accountKey);
    if (!w) return;
    const key = `${r.body.accountKey}/${hex(r.body.deviceId)}`;
    if ((this.noticed.get(key) ?? -1) >= r.body.seq) return;
    this.noticed.delete(key);
    if (this.noticed.size >= this.limits.seenMax) this.noticed.delete(this.noticed.keys().next().value as string);
    this.noticed.set(key, r.body.seq);
    for (const c of w.clients) this.send({ client: c }, RecordChanged.toMessage({ record: r.bytes }));
  }

  /** Handles a message from one of this supernode's clients. */
  handleClient(client: string, bytes: Uint8Array, now: number): void {
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? DIRECTORY_CLIENT_PROTOCOL.decode(decoded.value) : null;
    if (!r?.ok) {
      this.stats.malformed++;
      this.send({ client }, DirectoryError.toMessage({ code: 'BAD_REQUEST', reason: r ? r.error.message : decoded.ok ? 'unknown' : decoded.error.message }, decoded.ok ? decoded.value.requestId : 0));
      return;
    }
    const m = r.value;
    const id = m.requestId;
    if (this.lookups.size + this.publishes.size >= this.limits.pendingMax) {
      this.send({ client }, DirectoryError.toMessage({ code: 'BUSY', reason: 'too many requests in flight; try again' }, id));
      return;
    }
    switch (m.name) {
      case 'publish': {
        const v = verifyUserRecord(m.value.record, { ...this.verify, now });
        if (!v.ok) {
          this.send({ client }, DirectoryError.toMessage({ code: v.code, reason: v.reason }, id));
          break;
        }
        this.seen(v.record);
        const replicas = this.replicasOf(v.record.body.accountKey);
        const deviceKey = `${v.record.body.accountKey}/${hex(v.record.body.deviceId)}`;
        if (this.attached.has(deviceKey) || this.attached.size < this.limits.attachedMax) this.attached.set(deviceKey, { record: v.record, replicas: replicas.join() });
        const n = this.nextRequest++;
        const state: PublishState = { client, clientRequest: id, replicas: replicas.length, outstanding: replicas.length, stored: 0, deadline: now + this.limits.requestTimeoutMs };
        this.publishes.set(n, state);
        for (const replica of replicas) {
          if (replica === this.self) {
            const stored = this.store(v.record, now);
            if (stored) this.notifyWatchers(v.record, now);
            state.outstanding--;
            state.stored++;
            continue;
          }
          const req = this.nextRequest++;
          this.peerRequests.set(req, { kind: 'publish', publish: n, deadline: now + this.limits.requestTimeoutMs });
          this.send({ peer: replica }, RecordPut.toMessage({ record: m.value.record }, req));
        }
        if (state.outstanding <= 0) this.finishPublish(n);
        break;
      }
      case 'lookup': {
        const name = checkUsername(m.value.username);
        if (!name.ok) {
          this.send({ client }, DirectoryError.toMessage({ code: 'USERNAME_INVALID', reason: name.reason }, id));
          break;
        }
        this.stats.lookups++;
        const n = this.nextRequest++;
        const l: LookupState = { startedAt: now, client, clientRequest: id, accountKey: name.key, replicas: this.replicasOf(name.key), asked: 0, nextHedgeAt: now, deadline: now + this.limits.requestTimeoutMs, results: new Map() };
        this.lookups.set(n, l);
        const local = l.replicas.indexOf(this.self);
        if (local >= 0) {
          // This supernode holds the slot: answer from here.
          for (const rec of this.recordsOf(name.key, now)) l.results.set(hex(rec.body.deviceId), rec);
          l.replicas.splice(local, 1);
          if (l.results.size > 0 || l.replicas.length === 0) {
            this.finishLookup(n, 'done', now);
            break;
          }
        }
        this.askNext(n, now);
        break;
      }
      case 'list-supernodes': {
        // A fair sample of alive members, not always the same ones.
        const alive = this.table.alive().filter((x) => x !== this.self);
        const picked: Uint8Array[] = [];
        const start = alive.length > 0 ? this.nextRequest++ % alive.length : 0;
        for (let k = 0; k < alive.length && picked.length < m.value.max; k++) {
          const cert = this.table.get(alive[(start + k * 7919) % alive.length] as MemberId)?.certificate;
          if (cert && !picked.includes(cert)) picked.push(cert);
        }
        this.send({ client }, SupernodeList.toMessage({ certificates: picked }, id));
        break;
      }
      case 'watch': {
        const name = checkUsername(m.value.username);
        if (!name.ok) {
          this.send({ client }, DirectoryError.toMessage({ code: 'USERNAME_INVALID', reason: name.reason }, id));
          break;
        }
        let mine = this.watchesOf.get(client);
        if (!mine) {
          mine = new Set();
          this.watchesOf.set(client, mine);
        }
        if (!mine.has(name.key) && mine.size >= this.limits.watchesPerClientMax) {
          this.stats.watchesRefused++;
          this.send({ client }, DirectoryError.toMessage({ code: 'WATCH_LIMIT', reason: `a client watches at most ${this.limits.watchesPerClientMax} users` }, id));
          break;
        }
        mine.add(name.key);
        let w = this.watching.get(name.key);
        if (!w) {
          w = { clients: new Set(), renewAt: now };
          this.watching.set(name.key, w);
        }
        w.clients.add(client);
        this.subscribeAtReplicas(name.key, now);
        break;
      }
      case 'unwatch': {
        const name = checkUsername(m.value.username);
        if (name.ok) this.unwatch(client, name.key);
        else this.send({ client }, DirectoryError.toMessage({ code: 'USERNAME_INVALID', reason: name.reason }, id));
        break;
      }
    }
  }

  /** One client stops watching one account. */
  private unwatch(client: string, accountKey: string): void {
    const mine = this.watchesOf.get(client);
    if (!mine?.delete(accountKey)) return;
    if (mine.size === 0) this.watchesOf.delete(client);
    const w = this.watching.get(accountKey);
    if (!w) return;
    w.clients.delete(client);
    if (w.clients.size === 0) this.watching.delete(accountKey);
  }

  /**
   * A client's session closed: its watches end here (the replicas' subscriptions for accounts no
   * one watches any more run out at their TTL).
   */
  clientClosed(client: string): void {
    for (const key of [...(this.watchesOf.get(client) ?? [])]) this.unwatch(client, key);
  }

  /** Accounts watched through this supernode by its clients. */
  get watchedAccounts(): number {
    return this.watching.size;
  }

  private subscribeAtReplicas(accountKey: string, now: number): void {
    const w = this.watching.get(accountKey);
    if (!w) return;
    w.renewAt = now + this.limits.subscriptionTtlMs / 2;
    for (const replica of this.replicasOf(accountKey)) {
      if (replica === this.self) {
        let ws = this.watchers.get(accountKey);
        if (!ws) {
          ws = new Map();
          this.watchers.set(accountKey, ws);
        }
        ws.set(this.self, now + this.limits.subscriptionTtlMs);
      } else {
        this.send({ peer: replica }, Subscribe.toMessage({ accountKey, ttlMs: this.limits.subscriptionTtlMs }));
      }
    }
  }

  /** Asks the next replica of a lookup. */
  private askNext(lookupId: number, now: number): void {
    const l = this.lookups.get(lookupId);
    if (!l) return;
    if (l.asked >= l.replicas.length) return;
    const replica = l.replicas[l.asked++] as MemberId;
    if (l.asked > 1) this.stats.hedged++;
    const req = this.nextRequest++;
    this.peerRequests.set(req, { kind: 'lookup', lookup: lookupId, deadline: now + this.limits.requestTimeoutMs });
    this.send({ peer: replica }, RecordGet.toMessage({ accountKey: l.accountKey }, req));
    l.nextHedgeAt = now + this.limits.hedgeDelayMs;
  }

  /**
   * Ends a lookup with what it has. 'maybe-empty': a replica knew no records while others are
   * left to ask (it may be new to the slot): ask the next one before answering "none".
   */
  private finishLookup(lookupId: number, how: 'done' | 'maybe-empty' | 'timeout', now: number): void {
    const l = this.lookups.get(lookupId);
    if (!l) return;
    if (how === 'maybe-empty') {
      this.askNext(lookupId, now);
      return;
    }
    this.lookups.delete(lookupId);
    if (this.durations.length < LOOKUP_DURATIONS_KEPT_MAX) this.durations.push(now - l.startedAt);
    const records = [...l.results.values()].filter((r) => r.expiresAt > now);
    for (const r of records) this.seen(r);
    if (records.length > 0) this.stats.lookupsFound++;
    if (how === 'timeout' && records.length === 0) {
      this.stats.lookupsFailed++;
      this.send({ client: l.client }, DirectoryError.toMessage({ code: 'LOOKUP_TIMEOUT', reason: `no replica of the slot answered in ${this.limits.requestTimeoutMs} ms` }, l.clientRequest));
      return;
    }
    this.send({ client: l.client }, LookupResult.toMessage({ records: records.map((r) => r.bytes) }, l.clientRequest));
  }

  private finishPublish(publishId: number): void {
    const s = this.publishes.get(publishId);
    if (!s) return;
    this.publishes.delete(publishId);
    this.send({ client: s.client }, Published.toMessage({ stored: s.stored, replicas: s.replicas }, s.clientRequest));
  }

  /**
   * After the membership changed: pulls the slots this supernode gained from their other
   * replicas, and schedules the records of slots it lost for removal.
   */
  membershipChanged(now: number): void {
    const ring = this.table.ring();
    for (const slot of this.holdings.update(ring, this.self, now)) {
      for (const replica of ring.replicasOf(slot)) if (replica !== this.self) this.send({ peer: replica }, SlotPull.toMessage({ slot }));
    }
    for (const key of this.watching.keys()) this.subscribeAtReplicas(key, now);
    for (const [deviceKey, a] of this.attached) {
      if (a.record.expiresAt <= now) {
        this.attached.delete(deviceKey);
        continue;
      }
      const replicas = this.replicasOf(a.record.body.accountKey);
      const joined = replicas.join();
      if (joined === a.replicas) continue;
      const before = new Set(a.replicas.split(','));
      for (const r of replicas) {
        if (before.has(r)) continue;
        if (r === this.self) this.store(a.record, now);
        else this.send({ peer: r }, RecordPut.toMessage({ record: a.record.bytes }));
      }
      a.replicas = joined;
    }
  }

  /** Before leaving: sends every held slot's records to the replicas it will have without this supernode. */
  handOver(now: number): void {
    const without = this.table.alive().filter((m) => m !== this.self);
    const ring = new Ring(without, this.table.slots, this.table.replicas);
    const bySlot = new Map<number, Uint8Array[]>();
    for (const [account, devices] of this.records) {
      const slot = slotOf(account, this.table.slots);
      for (const r of devices.values()) if (r.expiresAt > now) bySlot.set(slot, [...(bySlot.get(slot) ?? []), r.bytes]);
    }
    for (const [slot, records] of bySlot) for (const replica of ring.replicasOf(slot)) this.sendSlot(replica, slot, records);
  }

  /** Acts on every deadline that has passed. */
  handleTimeout(now: number): void {
    for (const [id, l] of this.lookups) {
      if (now >= l.deadline) this.finishLookup(id, 'timeout', now);
      else if (now >= l.nextHedgeAt && l.asked < l.replicas.length) this.askNext(id, now);
    }
    for (const [id, s] of this.publishes) if (now >= s.deadline) this.finishPublish(id);
    const released = this.holdings.takeReleased(now);
    if (released.size > 0) {
      for (const [account, devices] of this.records) {
        if (!released.has(slotOf(account, this.table.slots))) continue;
        this.recordCount -= devices.size;
        this.records.delete(account);
      }
    }
    for (const [key, w] of this.watching) if (now >= w.renewAt) this.subscribeAtReplicas(key, now);
    // Answers that never came (the replica failed, or the lookup finished without them).
    for (const [req, p] of this.peerRequests) if (now >= p.deadline) this.peerRequests.delete(req);
  }

  /** The earliest time handleTimeout has something to do. */
  nextDeadline(): number | null {
    const ds: number[] = [];
    for (const l of this.lookups.values()) ds.push(l.asked < l.replicas.length ? Math.min(l.nextHedgeAt, l.deadline) : l.deadline);
    for (const s of this.publishes.values()) ds.push(s.deadline);
    const release = this.holdings.nextRelease();
    if (release !== null) ds.push(release);
    for (const w of this.watching.values()) ds.push(w.renewAt);
    return ds.length > 0 ? Math.min(...ds) : null;
  }
}
