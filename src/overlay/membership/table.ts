/**
 * The full table of supernodes every supernode keeps (DESIGN.md: one-hop directory). Entries
 * change only by events, with SWIM's precedence: a higher incarnation wins; at equal incarnation
 * failed and left beat alive (so a member refutes a false failure by coming back with a higher
 * incarnation). Alive events carry the member's supernode certificate, checked before the
 * entry is taken. Failed and left entries stay as tombstones for a while, so a stale alive
 * cannot bring a member back. Pure: time comes in as `now`.
 */

import { createHash } from 'node:crypto';

import { type Ring, RingCache, type MemberId } from '../ring.js';
import { DEFAULT_REPLICAS, DEFAULT_SLOTS } from '../slots.js';
import type { MemberEventKind } from './messages.js';

/** Most members a table holds; alive events of new members beyond it are refused and counted. */
export const MEMBERS_MAX = 100_000;
/** How long failed and left members are remembered (longer than any event takes to spread). */
export const TOMBSTONE_MS = 60 * 60 * 1000;
/** Digest buckets (ids by their first 4 bits). */
export const DIGEST_BUCKETS = 16;

/** One member as the table knows it. */
export interface MemberEntry {
  readonly id: MemberId;
  readonly incarnation: number;
  readonly state: MemberEventKind;
  /** The supernode certificate (null for a tombstone of a member never seen alive). */
  readonly certificate: Uint8Array | null;
  readonly changedAt: number;
}

/** An event as the protocol carries it. */
export interface MemberEvent {
  readonly kind: MemberEventKind;
  readonly id: Uint8Array;
  readonly incarnation: number;
  readonly certificate?: Uint8Array;
}

/** Checks a supernode certificate for member `id` at `now`. */
export type CertificateCheck = (certificate: Uint8Array, id: MemberId, now: number) => boolean;

/** What the table counted. */
export interface TableStats {
  applied: number;
  stale: number;
  badCertificate: number;
  full: number;
}

const RANK: Record<MemberEventKind, number> = { alive: 0, failed: 1, left: 1 };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The membership table. */
export class MembershipTable {
  private readonly entries = new Map<MemberId, MemberEntry>();
  private ringCache: Ring | null = null;
  /** XOR of the alive members' first 8 id bytes (two 32-bit halves) and their count: a digest of the alive set, kept in O(1). */
  private aliveXor = [0, 0];
  private aliveCount = 0;
  private readonly digestCache = new Map<number, Uint8Array>();
  readonly stats: TableStats = { applied: 0, stale: 0, badCertificate: 0, full: 0 };

  constructor(
    private readonly checkCertificate: CertificateCheck,
    readonly slots = DEFAULT_SLOTS,
    readonly replicas = DEFAULT_REPLICAS,
    private readonly rings: RingCache = new RingCache(),
  ) {}

  /** Applies an event; true if it changed the table. */
  apply(event: MemberEvent, now: number): boolean {
    const id = hex(event.id);
    const current = this.entries.get(id);
    if (current && (event.incarnation < current.incarnation || (event.incarnation === current.incarnation && RANK[event.kind] <= RANK[current.state]))) {
      this.stats.stale++;
      return false;
    }
    let certificate: Uint8Array | null = current?.certificate ?? null;
    if (event.kind === 'alive') {
      if (!event.certificate || !this.checkCertificate(event.certificate, id, now)) {
        this.stats.badCertificate++;
        return false;
      }
      if (!current && this.entries.size >= MEMBERS_MAX) {
        this.stats.full++;
        return false;
      }
      certificate = event.certificate;
    }
    const wasAlive = current?.state === 'alive';
    this.entries.set(id, { id, incarnation: event.incarnation, state: event.kind, certificate, changedAt: now });
    if (wasAlive !== (event.kind === 'alive')) {
      this.ringCache = null;
      this.aliveXor = [(this.aliveXor[0] as number) ^ parseInt(id.slice(0, 8), 16), (this.aliveXor[1] as number) ^ parseInt(id.slice(8, 16), 16)];
      this.aliveCount += wasAlive ? -1 : 1;
    }
    this.digestCache.delete(this.bucketOf(id));
    this.stats.applied++;
    return true;
  }

  /** The entry of `id`, if known. */
  get(id: MemberId): MemberEntry | undefined {
    return this.entries.get(id);
  }

  /** Members alive now, sorted. */
  alive(): readonly MemberId[] {
    return this.ring().members;
  }

  /** Members held failed (not those that left), most recent tombstones included. */
  failed(): MemberId[] {
    return [...this.entries.values()].filter((e) => e.state === 'failed').map((e) => e.id);
  }

  /** Whether a supernode certificate is good for member `id` now. */
  certificateOk(certificate: Uint8Array, id: MemberId, now: number): boolean {
    return this.checkCertificate(certificate, id, now);
  }

  /** Whether `id` is alive in this table. */
  isAlive(id: MemberId): boolean {
    return this.entries.get(id)?.state === 'alive';
  }

  /** The placement ring of the alive members (rebuilt only when that set changes). */
  ring(): Ring {
    if (!this.ringCache) {
      const key = `${this.aliveCount}:${this.aliveXor[0]}:${this.aliveXor[1]}`;
      this.ringCache = this.rings.get(key, [...this.entries.values()].filter((e) => e.state === 'alive').map((e) => e.id), this.slots, this.replicas);
    }
    return this.ringCache;
  }

  /** Every entry as an event (for a table transfer), alive ones with their certificates. */
  events(ids?: Iterable<MemberId>): MemberEvent[] {
    const pick = ids ? [...ids].map((id) => this.entries.get(id)).filter((e): e is MemberEntry => e !== undefined) : [...this.entries.values()];
    return pick.map((e) => ({ kind: e.state, id: Buffer.from(e.id, 'hex'), incarnation: e.incarnation, ...(e.certificate && e.state === 'alive' ? { certificate: e.certificate } : {}) }));
  }

  private bucketOf(id: MemberId): number {
    return parseInt(id[0] ?? '0', 16);
  }

  /** 8 bytes per bucket over (id, incarnation, state) of its entries; equal tables give equal digests. */
  digest(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let b = 0; b < DIGEST_BUCKETS; b++) {
      let d = this.digestCache.get(b);
      if (!d) {
        const h = createHash('sha256');
        for (const e of [...this.entries.values()].filter((x) => this.bucketOf(x.id) === b).sort((x, y) => (x.id < y.id ? -1 : 1))) h.update(`${e.id}:${e.incarnation}:${e.state};`);
        d = new Uint8Array(h.digest().subarray(0, 8));
        this.digestCache.set(b, d);
      }
      out.push(d);
    }
    return out;
  }

  /** (id, incarnation, state) of the entries in `buckets`. */
  summaries(buckets: readonly number[]): { id: Uint8Array; incarnation: number; kind: MemberEventKind }[] {
    const set = new Set(buckets);
    return [...this.entries.values()].filter((e) => set.has(this.bucketOf(e.id))).map((e) => ({ id: Buffer.from(e.id, 'hex'), incarnation: e.incarnation, kind: e.state }));
  }

  /** Whether the table would take an event with this id, incarnation and kind (it is newer than ours). */
  wants(id: MemberId, incarnation: number, kind: MemberEventKind): boolean {
    const e = this.entries.get(id);
    return !e || incarnation > e.incarnation || (incarnation === e.incarnation && RANK[kind] > RANK[e.state]);
  }

  /** Forgets tombstones older than TOMBSTONE_MS. */
  prune(now: number): number {
    let n = 0;
    for (const [id, e] of this.entries) {
      if (e.state !== 'alive' && now - e.changedAt > TOMBSTONE_MS) {
        this.entries.delete(id);
        this.digestCache.delete(this.bucketOf(id));
        n++;
      }
    }
    return n;
  }

  /** How many entries (alive and tombstones). */
  get size(): number {
    return this.entries.size;
  }

  /** Every entry (for persistence). */
  snapshot(): MemberEntry[] {
    return [...this.entries.values()];
  }

  /** Loads persisted entries (certificates are checked again as alive events). */
  restore(entries: readonly MemberEntry[], now: number): void {
    for (const e of entries) this.apply({ kind: e.state, id: Buffer.from(e.id, 'hex'), incarnation: e.incarnation, ...(e.certificate ? { certificate: e.certificate } : {}) }, now);
  }
}
