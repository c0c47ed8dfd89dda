/**
 * One supernode's side of the membership protocol, sans-I/O: messages from authenticated peers
 * (by member id) and timeouts in, messages to members out (poll), the next deadline for the
 * driver's timer.
 *
 * - Failure detection (SWIM, Das, Gupta, Motivala 2002): every probe interval a member pings one
 *   of its `monitored` successors in id order, asks `indirectProbes` others to ping it when the
 *   direct probe times out, suspects it when they cannot either, and declares it failed when the
 *   suspicion outlives `suspicionMs` without an answer. A member declared failed comes back with a
 *   higher incarnation.
 * - Dissemination (one-hop overlays, Gupta, Liskov, Rodrigues 2004): a member reports what it saw
 *   to its block leader; leaders gather reports for `aggregateMs`, then spread them as one batch
 *   along a broadcast tree over the leaders (each leader reached once, log depth), and each leader
 *   hands them to the members of its blocks.
 * - Anti-entropy: every `antiEntropyMs` a member compares per-bucket digests of its table with a
 *   random member and pulls what it lacks, so a lost batch is repaired within a period.
 * - Joins: the member asked answers with the entries of a few members; the joiner asks each of
 *   them for the summaries of one digest bucket and pulls that bucket's entries from it, so no
 *   one member sends a whole table (about 230 bytes per member) for every join it answers.
 */

import { BoundedQueue } from '../../util/bounded-queue.js';
import { encodeMessage, decodeMessage, type WireMessage } from '../../wire/index.js';
import type { MemberId, RingCache } from '../ring.js';
import { Ack, Batch, Digest, Entries, EVENTS_PER_MESSAGE_MAX, Join, MEMBERSHIP_PROTOCOL, Ping, PingReq, Pull, Report, Summary, SUMMARIES_PER_MESSAGE_MAX } from './messages.js';
import { type CertificateCheck, DIGEST_BUCKETS, type MemberEntry, type MemberEvent, MembershipTable } from './table.js';

/** Entries sent with a join's summary: the members a joiner can pull the rest from. */
export const JOIN_SAMPLE_ENTRIES = 16;
/** Rounds of pulls after a join for entries that did not come. */
const JOIN_FILL_ATTEMPTS = 4;

/** Timers and limits, with their wall-time meaning. */
export interface MembershipLimits {
  /** A probe is sent this often (to one monitored member, in turn). */
  readonly probeIntervalMs: number;
  /** A direct probe unanswered this long goes indirect. */
  readonly probeTimeoutMs: number;
  /** Members asked to probe indirectly. */
  readonly indirectProbes: number;
  /** An indirect probe unanswered this long makes the target suspect. */
  readonly indirectTimeoutMs: number;
  /** A suspect not heard from for this long is declared failed. */
  readonly suspicionMs: number;
  /** Successors (in id order) each member watches. */
  readonly monitored: number;
  /** Leaders gather reports this long before spreading them. */
  readonly aggregateMs: number;
  /** Digests are compared with a random member this often. */
  readonly antiEntropyMs: number;
  /** An unanswered join is retried (with the next bootstrap member) after this long. */
  readonly joinRetryMs: number;
  /** Messages waiting to be polled; beyond it the oldest are dropped and counted. */
  readonly outboxMax: number;
  /** Every this many probes, one goes to a random member instead of a monitored one (covers members whose monitors all failed). */
  readonly randomProbeEvery: number;
  /** A report not seen back in a leader's batch within aggregateMs plus this is spread by the reporter itself (its leader may be gone). */
  readonly reportConfirmMs: number;
  /** A batch sent down the leaders' tree unacknowledged this long is sent again, then routed around its target. */
  readonly batchAckMs: number;
}

/** The defaults: a failed supernode is out of every table in about 10 s; about 100 B/s of probes per member. */
export const DEFAULT_MEMBERSHIP_LIMITS: MembershipLimits = Object.freeze({
  probeIntervalMs: 1_000,
  probeTimeoutMs: 500,
  indirectProbes: 2,
  indirectTimeoutMs: 1_000,
  suspicionMs: 5_000,
  monitored: 2,
  aggregateMs: 1_000,
  antiEntropyMs: 30_000,
  joinRetryMs: 2_000,
  outboxMax: 10_000,
  randomProbeEvery: 4,
  reportConfirmMs: 2_000,
  batchAckMs: 500,
});

/** A message to send. */
export interface Outgoing {
  readonly to: MemberId;
  readonly bytes: Uint8Array;
}

/** What a member counted. */
export interface MemberStats {
  malformed: number;
  outboxDropped: number;
  declaredFailed: number;
  refuted: number;
}

/** How a member is set up beyond its identity. */
export interface MemberOptions {
  readonly limits?: Partial<MembershipLimits>;
  readonly slots?: number;
  readonly replicas?: number;
  /** Placement rings shared with other tables in this process (a simulation); one of its own by default. */
  readonly rings?: RingCache;
}

/** This member's identity. */
export interface SelfIdentity {
  readonly id: Uint8Array;
  readonly certificate: Uint8Array;
  /** Start above the last incarnation this supernode used (persisted), so its return beats its old failure. */
  readonly incarnation: number;
}

interface Probe {
  readonly target: MemberId;
  readonly seq: number;
  stage: 'direct' | 'indirect';
  deadline: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const encode = (m: WireMessage): Uint8Array => encodeMessage(m, { compressed: true });
const eventKey = (e: MemberEvent): string => `${hex(e.id)}:${e.incarnation}:${e.kind}`;

/** The membership protocol of one supernode. */
export class MembershipMember {
  readonly table: MembershipTable;
  readonly id: MemberId;
  readonly stats: MemberStats = { malformed: 0, outboxDropped: 0, declaredFailed: 0, refuted: 0 };
  private incarnation: number;
  private readonly limits: MembershipLimits;
  private readonly outbox: BoundedQueue<Outgoing>;
  private state: 'joining' | 'member' | 'left' = 'joining';
  private bootstrap: MemberId[] = [];
  private joinAttempts = 0;
  private joinRetryAt = 0;
  private seq = 1;
  private probe: Probe | null = null;
  private nextProbeAt = 0;
  private probeTurn = 0;
  /** Probes sent for other members: our seq -> (who asked, their seq, when to give up). */
  private readonly relayed = new Map<number, { requester: MemberId; seq: number; deadline: number }>();
  private readonly suspects = new Map<MemberId, number>();
  private readonly pending = new Map<MemberId, MemberEvent>();
  private flushAt: number | null = null;
  private nextAntiEntropyAt = 0;
  private antiEntropyTurn = 0;
  private changes: MemberEvent[] = [];
  /** Batches sent down the tree and not yet acknowledged, by seq. */
  private readonly batchesOut = new Map<number, { target: MemberId; events: MemberEvent[]; sub: readonly MemberId[]; bound: MemberId; deadline: number; attempt: number }>();
  /** After a join: the entries pulled and not yet here, pulled again (from other members) at `retryAt`. */
  private joinFill: { buckets: Set<number>; want: Map<MemberId, { incarnation: number; kind: MemberEvent['kind'] }>; retryAt: number; attempts: number } | null = null;
  /** Events reported to a leader, until they come back in a batch (else spread by this member). */
  private readonly awaiting = new Map<string, { event: MemberEvent; deadline: number }>();

  constructor(
    private readonly self: SelfIdentity,
    checkCertificate: CertificateCheck,
    private readonly random: { below(n: number): number },
    options: MemberOptions = {},
  ) {
    this.limits = { ...DEFAULT_MEMBERSHIP_LIMITS, ...options.limits };
    this.outbox = new BoundedQueue(this.limits.outboxMax);
    this.table = new MembershipTable(checkCertificate, options.slots, options.replicas, options.rings);
    this.id = hex(self.id);
    this.incarnation = self.incarnation;
  }

  /**
   * Starts: with a `saved` table (a restart from the data directory), from it; then joins through
   * `bootstrap` and the saved table's alive members, unless the saved table already holds this
   * member alive at its current incarnation (nothing to announce). No bootstrap and no saved
   * table: this is the first supernode.
   */
  start(now: number, bootstrap: readonly MemberId[], saved: readonly MemberEntry[] = []): void {
    this.table.restore(saved, now);
    const announced = this.table.get(this.id)?.state === 'alive' && this.table.get(this.id)?.incarnation === this.incarnation;
    this.applyLocal({ kind: 'alive', id: this.self.id, incarnation: this.incarnation, certificate: this.self.certificate }, now);
    this.bootstrap = [...new Set([...bootstrap, ...this.table.alive()])].filter((b) => b !== this.id);
    this.nextProbeAt = now + this.limits.probeIntervalMs;
    this.nextAntiEntropyAt = now + this.limits.antiEntropyMs;
    this.joinAttempts = this.bootstrap.length > 0 ? this.random.below(this.bootstrap.length) : 0;
    if (this.bootstrap.length === 0 || announced) this.state = 'member';
    else this.sendJoin(now);
  }

  /** Leaves gracefully: the members learn it from a `left` event rather than by timeout. */
  leave(now: number): void {
    if (this.state === 'left') return;
    const e: MemberEvent = { kind: 'left', id: this.self.id, incarnation: this.incarnation };
    this.report([e], now);
    this.flush(now);
    this.state = 'left';
  }

  /** The incarnation in use (persist it: a restart starts above it). */
  get currentIncarnation(): number {
    return this.incarnation;
  }

  /** Whether this member has joined (it has a table from a bootstrap member, or it is the first). */
  get joined(): boolean {
    return this.state === 'member';
  }

  /** Events that changed the table since the last call (for the directory: new owners, lost replicas). */
  takeChanges(): MemberEvent[] {
    const c = this.changes;
    this.changes = [];
    return c;
  }

  /** The next message to send, or null. */
  poll(): Outgoing | null {
    return this.outbox.shift() ?? null;
  }

  private send(to: MemberId, m: WireMessage): void {
    if (to === this.id) return;
    this.outbox.push({ to, bytes: encode(m) });
    this.stats.outboxDropped = this.outbox.dropped;
  }

  private sendChunks(to: MemberId, events: MemberEvent[], make: (chunk: MemberEvent[]) => WireMessage): void {
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE_MAX) this.send(to, make(events.slice(i, i + EVENTS_PER_MESSAGE_MAX)));
  }

  private applyLocal(e: MemberEvent, now: number): boolean {
    if (hex(e.id) === this.id && e.kind !== 'alive' && e.incarnation >= this.incarnation && this.state !== 'left') {
      // Someone thinks we failed: refute with a higher incarnation (SWIM).
      this.incarnation = e.incarnation + 1;
      this.stats.refuted++;
      const alive: MemberEvent = { kind: 'alive', id: this.self.id, incarnation: this.incarnation, certificate: this.self.certificate };
      this.table.apply(alive, now);
      this.report([alive], now);
      return true;
    }
    const changed = this.table.apply(e, now);
    if (changed) {
      this.changes.push(e);
      if (e.kind !== 'alive') this.suspects.delete(hex(e.id));
    }
    return changed;
  }

  private sendJoin(now: number): void {
    const to = this.bootstrap[this.joinAttempts++ % this.bootstrap.length] as MemberId;
    this.send(to, Join.toMessage({ certificate: this.self.certificate, incarnation: this.incarnation }));
    this.joinRetryAt = now + this.limits.joinRetryMs;
  }

  /** The leader this member reports to. */
  private leader(): MemberId {
    const ring = this.table.ring();
    return ring.leaderOf(ring.homeBlockOf(this.id)) ?? this.id;
  }

  /** Hands events to this member's leader (or gathers them, if this member leads). */
  private report(events: MemberEvent[], now: number): void {
    const leader = this.leader();
    if (leader !== this.id && this.table.isAlive(leader)) {
      this.sendChunks(leader, events, (chunk) => Report.toMessage({ events: chunk }));
      for (const e of events) this.awaiting.set(eventKey(e), { event: e, deadline: now + this.limits.aggregateMs + this.limits.reportConfirmMs });
      return;
    }
    this.gather(events, now);
  }

  private gather(events: MemberEvent[], now: number): void {
    for (const e of events) {
      const id = hex(e.id);
      const had = this.pending.get(id);
      if (!had || e.incarnation > had.incarnation || (e.incarnation === had.incarnation && e.kind !== 'alive')) this.pending.set(id, e);
    }
    this.flushAt ??= now + this.limits.aggregateMs;
  }

  /** Spreads the gathered events: down the leaders' broadcast tree from here, and to this leader's members. */
  private flush(now: number): void {
    this.flushAt = null;
    const events = [...this.pending.values()];
    this.pending.clear();
    if (events.length > 0) this.spread(events, null, now);
  }

  /**
   * Leaders in circular id order after this member and before `until` (null: all the way round).
   * `until` need not be a leader in this member's view: the cut is by position, so members whose
   * views differ a little still split the ring without overlaps that could multiply messages.
   */
  private leadersAfter(until: MemberId | null): MemberId[] {
    const leaders = this.table
      .ring()
      .leaders()
      .filter((l) => l !== this.id && this.table.isAlive(l))
      .sort();
    const after = [...leaders.filter((l) => l > this.id), ...leaders.filter((l) => l < this.id)];
    if (until === null || until === this.id) return after;
    // Circular order from this member: ids above it first, then ids below it.
    const beforeUntil = (l: MemberId): boolean => (l > this.id ? until < this.id || l < until : until < this.id && l < until);
    return after.filter(beforeUntil);
  }

  /** Sends `events` to the leaders in range (a binomial tree: offsets 1, 2, 4, ...) and to this leader's own members. */
  private spread(events: MemberEvent[], until: MemberId | null, now: number): void {
    this.spreadOver(events, this.leadersAfter(until), until ?? this.id, now);
    const ring = this.table.ring();
    const leaders = new Set(ring.leaders());
    for (const m of this.table.alive()) {
      if (m === this.id || leaders.has(m)) continue;
      if (ring.leaderOf(ring.homeBlockOf(m)) === this.id) this.sendChunks(m, events, (chunk) => Batch.toMessage({ events: chunk, local: 1 }));
    }
  }

  /**
   * The tree step over an explicit `range` of leaders ending before `bound`: range[0] covers
   * itself, range[1] covers range[1..2], range[3] covers range[3..6], ... Each send is
   * acknowledged; one unacknowledged after `batchAckMs` is sent once more, then its part of the
   * range is spread from here without it (it may have failed unnoticed).
   */
  private spreadOver(events: MemberEvent[], range: readonly MemberId[], bound: MemberId, now: number, attempt = 1): void {
    for (let j = 0; 2 ** j - 1 < range.length; j++) {
      const target = range[2 ** j - 1] as MemberId;
      const sub = range.slice(2 ** j, 2 ** (j + 1) - 1);
      const subBound = range[2 ** (j + 1) - 1] ?? bound;
      this.sendBatch(target, events, sub, subBound, now, attempt);
    }
  }

  private sendBatch(target: MemberId, events: MemberEvent[], sub: readonly MemberId[], bound: MemberId, now: number, attempt: number): void {
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE_MAX) {
      const chunk = events.slice(i, i + EVENTS_PER_MESSAGE_MAX);
      const seq = this.seq++;
      this.batchesOut.set(seq, { target, events: chunk, sub, bound, deadline: now + this.limits.batchAckMs, attempt });
      this.send(target, Batch.toMessage({ events: chunk, until: unhex(bound), seq }));
    }
  }

  /** Handles one message from member `from` (the session's authenticated peer). */
  handle(from: MemberId, bytes: Uint8Array, now: number): void {
    if (this.state === 'left') return;
    const decoded = decodeMessage(bytes);
    const r = decoded.ok ? MEMBERSHIP_PROTOCOL.decode(decoded.value) : null;
    if (!r?.ok) {
      this.stats.malformed++;
      return;
    }
    const m = r.value;
    switch (m.name) {
      case 'ping':
        this.send(from, Ack.toMessage({ seq: m.value.seq }));
        break;
      case 'ack': {
        if (this.probe && this.probe.seq === m.value.seq && this.probe.target === from) {
          this.suspects.delete(from);
          this.probe = null;
        } else if (this.probe && this.probe.seq === m.value.seq && this.probe.stage === 'indirect') {
          // An indirect probe came back through a helper.
          this.suspects.delete(this.probe.target);
          this.probe = null;
        }
        this.batchesOut.delete(m.value.seq);
        const relay = this.relayed.get(m.value.seq);
        if (relay && relay.deadline >= now) {
          this.relayed.delete(m.value.seq);
          this.send(relay.requester, Ack.toMessage({ seq: relay.seq }));
        }
        if (this.suspects.has(from)) this.suspects.delete(from);
        break;
      }
      case 'ping-req': {
        const seq = this.seq++;
        this.relayed.set(seq, { requester: from, seq: m.value.seq, deadline: now + this.limits.indirectTimeoutMs });
        this.send(hex(m.value.target), Ping.toMessage({ seq }));
        break;
      }
      case 'report':
        for (const e of m.value.events) this.applyLocal(e, now);
        this.gather(m.value.events, now);
        break;
      case 'batch':
        if (m.value.seq !== undefined) this.send(from, Ack.toMessage({ seq: m.value.seq }));
        for (const e of m.value.events) {
          this.awaiting.delete(eventKey(e));
          this.applyLocal(e, now);
        }
        if (m.value.local !== 1) this.spread(m.value.events, m.value.until ? hex(m.value.until) : this.id, now);
        break;
      case 'join': {
        // Answered with the table whenever the certificate is good, even when the join is stale
        // (we hold the member failed at that incarnation): the table tells it so, and it refutes.
        const e: MemberEvent = { kind: 'alive', id: unhex(from), incarnation: m.value.incarnation, certificate: m.value.certificate };
        if (!this.table.certificateOk(m.value.certificate, from, now)) break;
        if (this.applyLocal(e, now)) this.report([e], now);
        const alive = this.table.alive().filter((x) => x !== from);
        const sample = new Set<MemberId>([this.id]);
        while (sample.size < Math.min(JOIN_SAMPLE_ENTRIES, alive.length)) sample.add(alive[this.random.below(alive.length)] as MemberId);
        this.send(from, Summary.toMessage({ items: [], reply: 0, buckets: [], join: 1, entries: this.table.events(sample) }));
        break;
      }
      case 'entries':
        for (const e of m.value.events) this.applyLocal(e, now);
        if (this.state === 'joining') this.state = 'member';
        break;
      case 'digest': {
        const mine = this.table.digest();
        const differ = m.value.buckets.map((b, i) => (Buffer.from(b).equals(mine[i] ?? new Uint8Array(0)) ? -1 : i)).filter((i) => i >= 0 && i < DIGEST_BUCKETS);
        if (differ.length > 0) this.sendSummary(from, differ, 1);
        break;
      }
      case 'summary': {
        for (const e of m.value.entries) this.applyLocal(e, now);
        if (m.value.join === 1) {
          if (this.state === 'joining') this.startFill(from, now);
          break;
        }
        const want = m.value.items.filter((s) => this.table.wants(hex(s.id), s.incarnation, s.kind));
        if (this.joinFill && m.value.reply === 0) {
          for (const b of m.value.buckets) this.joinFill.buckets.delete(b);
          for (const w of want) this.joinFill.want.set(hex(w.id), { incarnation: w.incarnation, kind: w.kind });
        }
        for (let i = 0; i < want.length; i += EVENTS_PER_MESSAGE_MAX) this.send(from, Pull.toMessage({ ids: want.slice(i, i + EVENTS_PER_MESSAGE_MAX).map((w) => w.id) }));
        if (m.value.reply === 1) this.sendSummary(from, m.value.buckets, 0);
        break;
      }
      case 'pull':
        this.sendChunks(from, this.table.events(m.value.ids.map(hex)), (chunk) => Entries.toMessage({ events: chunk }));
        break;
    }
  }

  /**
   * Joined: asks the members it now knows for the table, one digest bucket of summaries from each
   * (and pulls each bucket's entries from the member that summarised it), so the table comes from
   * many members rather than all from the one asked.
   */
  private startFill(bootstrap: MemberId, now: number): void {
    this.state = 'member';
    this.joinFill = { buckets: new Set(Array.from({ length: DIGEST_BUCKETS }, (_, i) => i)), want: new Map(), retryAt: now + this.limits.joinRetryMs, attempts: 0 };
    this.askBuckets([...this.joinFill.buckets], bootstrap);
  }

  /** Sends each message to another alive member, in turn from a random one (`fallback` when none is known). */
  private sendAround(messages: readonly WireMessage[], fallback: MemberId): void {
    const sources = this.table.alive().filter((x) => x !== this.id);
    const first = this.random.below(Math.max(1, sources.length));
    messages.forEach((m, k) => this.send(sources[(first + k) % sources.length] ?? fallback, m));
  }

  /** Asks for the summaries of `buckets`, each bucket from another member. */
  private askBuckets(buckets: readonly number[], fallback: MemberId): void {
    this.sendAround(
      buckets.map((b) => Summary.toMessage({ items: [], reply: 1, buckets: [b], entries: [] })),
      fallback,
    );
  }

  /** After a join: asks again, elsewhere, for buckets and entries that did not come (at most JOIN_FILL_ATTEMPTS rounds; anti-entropy repairs the rest). */
  private refill(now: number): void {
    const f = this.joinFill;
    if (!f || now < f.retryAt) return;
    for (const [id, w] of f.want) if (!this.table.wants(id, w.incarnation, w.kind)) f.want.delete(id);
    if ((f.buckets.size === 0 && f.want.size === 0) || ++f.attempts >= JOIN_FILL_ATTEMPTS) {
      this.joinFill = null;
      return;
    }
    f.retryAt = now + this.limits.joinRetryMs;
    const fallback = this.bootstrap[0] ?? this.id;
    this.askBuckets([...f.buckets], fallback);
    const ids = [...f.want.keys()].map(unhex);
    const pulls: WireMessage[] = [];
    for (let i = 0; i < ids.length; i += EVENTS_PER_MESSAGE_MAX) pulls.push(Pull.toMessage({ ids: ids.slice(i, i + EVENTS_PER_MESSAGE_MAX) }));
    this.sendAround(pulls, fallback);
  }

  private sendSummary(to: MemberId, buckets: number[], reply: 0 | 1): void {
    const items = this.table.summaries(buckets);
    for (let i = 0; i < Math.max(1, items.length); i += SUMMARIES_PER_MESSAGE_MAX) this.send(to, Summary.toMessage({ items: items.slice(i, i + SUMMARIES_PER_MESSAGE_MAX), reply, buckets, entries: [] }));
  }

  /** The members this one watches: its successors in id order. */
  private monitoredMembers(): MemberId[] {
    const alive = this.table.alive();
    const i = alive.indexOf(this.id);
    const out: MemberId[] = [];
    for (let k = 1; k < alive.length && out.length < this.limits.monitored; k++) out.push(alive[(i + k) % alive.length] as MemberId);
    return out;
  }

  /** Acts on every deadline that has passed. */
  handleTimeout(now: number): void {
    if (this.state === 'left') return;
    if (this.state === 'joining' && now >= this.joinRetryAt) this.sendJoin(now);
    this.refill(now);
    for (const [seq, r] of this.relayed) if (r.deadline < now) this.relayed.delete(seq);
    if (this.probe && now >= this.probe.deadline) {
      const p = this.probe;
      if (p.stage === 'direct') {
        const helpers = this.table.alive().filter((x) => x !== this.id && x !== p.target);
        for (let k = 0; k < this.limits.indirectProbes && helpers.length > 0; k++) {
          const h = helpers.splice(this.random.below(helpers.length), 1)[0] as MemberId;
          this.send(h, PingReq.toMessage({ seq: p.seq, target: unhex(p.target) }));
        }
        p.stage = 'indirect';
        p.deadline = now + this.limits.indirectTimeoutMs;
      } else {
        if (this.table.isAlive(p.target) && !this.suspects.has(p.target)) this.suspects.set(p.target, now + this.limits.suspicionMs);
        this.probe = null;
      }
    }
    for (const [id, deadline] of this.suspects) {
      if (now < deadline) continue;
      this.suspects.delete(id);
      const entry = this.table.get(id);
      if (entry?.state !== 'alive') continue;
      const e: MemberEvent = { kind: 'failed', id: unhex(id), incarnation: entry.incarnation };
      this.stats.declaredFailed++;
      this.applyLocal(e, now);
      this.report([e], now);
    }
    for (const [seq, b] of this.batchesOut) {
      if (now < b.deadline) continue;
      this.batchesOut.delete(seq);
      if (b.attempt === 1) this.sendBatch(b.target, b.events, b.sub, b.bound, now, 2);
      else this.spreadOver(b.events, b.sub, b.bound, now);
    }
    const unconfirmed = [...this.awaiting.values()].filter((a) => a.deadline <= now);
    if (unconfirmed.length > 0) {
      for (const a of unconfirmed) this.awaiting.delete(eventKey(a.event));
      this.gather(
        unconfirmed.map((a) => a.event),
        now,
      );
    }
    if (!this.probe && now >= this.nextProbeAt && this.state === 'member') {
      const turn = this.probeTurn++;
      const others = this.table.alive().filter((x) => x !== this.id);
      const targets = turn % this.limits.randomProbeEvery === this.limits.randomProbeEvery - 1 && others.length > 0 ? [others[this.random.below(others.length)] as MemberId] : this.monitoredMembers();
      if (targets.length > 0) {
        const target = targets[turn % targets.length] as MemberId;
        const seq = this.seq++;
        this.probe = { target, seq, stage: 'direct', deadline: now + this.limits.probeTimeoutMs };
        this.send(target, Ping.toMessage({ seq }));
      }
      this.nextProbeAt = now + this.limits.probeIntervalMs;
    }
    if (this.flushAt !== null && now >= this.flushAt) this.flush(now);
    if (now >= this.nextAntiEntropyAt) {
      this.nextAntiEntropyAt = now + this.limits.antiEntropyMs;
      this.table.prune(now);
      // Every other round the digest goes to a member this one holds failed: if it is in fact
      // alive (a partition has healed), the two tables repair each other and it refutes.
      const failed = this.table.failed();
      const others = this.table.alive().filter((x) => x !== this.id);
      const pool = this.antiEntropyTurn++ % 2 === 1 && failed.length > 0 ? failed : others.length > 0 ? others : failed;
      if (pool.length > 0 && this.state === 'member') this.send(pool[this.random.below(pool.length)] as MemberId, Digest.toMessage({ buckets: this.table.digest() }));
    }
  }

  /** The earliest time handleTimeout has something to do. */
  nextDeadline(): number | null {
    if (this.state === 'left') return null;
    const ds: number[] = [this.nextAntiEntropyAt];
    if (this.state === 'joining') ds.push(this.joinRetryAt);
    if (this.joinFill) ds.push(this.joinFill.retryAt);
    // The next probe waits for the one outstanding (each deadline listed must be acted on when reached).
    if (this.probe) ds.push(this.probe.deadline);
    else if (this.state === 'member') ds.push(this.nextProbeAt);
    if (this.flushAt !== null) ds.push(this.flushAt);
    for (const d of this.suspects.values()) ds.push(d);
    for (const a of this.awaiting.values()) ds.push(a.deadline);
    for (const b of this.batchesOut.values()) ds.push(b.deadline);
    return Math.min(...ds);
  }
}
