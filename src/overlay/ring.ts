/**
 * Which supernodes hold which slots: consistent hashing on a 32-bit ring. Each member has
 * RING_POINTS_PER_MEMBER points (hashes of its id), which spreads slots evenly; a slot's replicas
 * are the first `r` distinct members clockwise from the slot's point. A join or a leave moves
 * only the slots next to the member's points, so few records change hands. Pure: built from the
 * member ids, the same on every supernode.
 */

import { createHash } from 'node:crypto';

import { blockCount, DEFAULT_REPLICAS, DEFAULT_SLOTS, SLOTS_PER_BLOCK } from './slots.js';

/** Points per member on the ring (more: slots spread more evenly; 32 keeps the largest share within about 1.5x the mean at 30 members). */
export const RING_POINTS_PER_MEMBER = 32;
const RING_SIZE = 2 ** 32;
const POINT_DOMAIN = Buffer.from('parley ring v1\0', 'ascii');

/** A member id: 32 bytes (a supernode's Noise static key), as hex for map keys. */
export type MemberId = string;

/** Members whose points are remembered (a process meets few more supernodes than the network has); beyond it the memo starts over. */
const POINTS_MEMO_MAX = 200_000;
const pointsMemo = new Map<MemberId, Uint32Array>();

/** The ring points of member `id` (hashes of its id and the point's number), remembered. */
function pointsOf(id: MemberId): Uint32Array {
  let p = pointsMemo.get(id);
  if (!p) {
    p = new Uint32Array(RING_POINTS_PER_MEMBER);
    const idBytes = Buffer.from(id, 'hex');
    for (let i = 0; i < RING_POINTS_PER_MEMBER; i++) p[i] = createHash('sha256').update(POINT_DOMAIN).update(idBytes).update(Uint8Array.of(i)).digest().readUInt32BE(0);
    if (pointsMemo.size >= POINTS_MEMO_MAX) pointsMemo.clear();
    pointsMemo.set(id, p);
  }
  return p;
}

/** The ring point of a slot (the middle of its share of the ring). */
export function slotPoint(slot: number, slots: number): number {
  return Math.floor(((slot + 0.5) * RING_SIZE) / slots);
}

/** Replica placement for one membership. */
export class Ring {
  private readonly points: { point: number; member: MemberId }[];
  private readonly replicaCache = new Map<number, MemberId[]>();
  private leaderCache: MemberId[] | null = null;
  /** Slots per member, asked by each service of a supernode after a change. */
  private readonly slotsCache = new Map<MemberId, number[]>();
  readonly members: readonly MemberId[];

  constructor(
    members: Iterable<MemberId>,
    readonly slots = DEFAULT_SLOTS,
    readonly replicas = DEFAULT_REPLICAS,
  ) {
    this.members = [...new Set(members)].sort();
    this.points = this.members.flatMap((member) => Array.from(pointsOf(member), (point) => ({ point, member })));
    // Ties (2^-32 per pair) fall to the smaller id, so every supernode orders them alike.
    this.points.sort((a, b) => a.point - b.point || (a.member < b.member ? -1 : 1));
  }

  /** The first `count` distinct members clockwise from `point`. */
  private successors(point: number, count: number): MemberId[] {
    const out: MemberId[] = [];
    const n = this.points.length;
    if (n === 0) return out;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as { point: number }).point < point) lo = mid + 1;
      else hi = mid;
    }
    for (let k = 0; k < n && out.length < count; k++) {
      const m = (this.points[(lo + k) % n] as { member: MemberId }).member;
      if (!out.includes(m)) out.push(m);
    }
    return out;
  }

  /** The replicas of `slot`, first the primary. */
  replicasOf(slot: number): readonly MemberId[] {
    let r = this.replicaCache.get(slot);
    if (!r) {
      r = this.successors(slotPoint(slot, this.slots), this.replicas);
      this.replicaCache.set(slot, r);
    }
    return r;
  }

  /** The slots `member` holds a copy of. */
  slotsOf(member: MemberId): readonly number[] {
    let out = this.slotsCache.get(member);
    if (!out) {
      out = [];
      for (let s = 0; s < this.slots; s++) if (this.replicasOf(s).includes(member)) out.push(s);
      this.slotsCache.set(member, out);
    }
    return out;
  }

  /** The leader of a block: the primary of its first slot. */
  leaderOf(block: number): MemberId | null {
    return this.replicasOf(block * SLOTS_PER_BLOCK)[0] ?? null;
  }

  /** Every distinct block leader, in block order. */
  leaders(): readonly MemberId[] {
    if (!this.leaderCache) {
      const seen = new Set<MemberId>();
      for (let b = 0; b < blockCount(this.slots); b++) {
        const l = this.leaderOf(b);
        if (l !== null) seen.add(l);
      }
      this.leaderCache = [...seen];
    }
    return this.leaderCache;
  }

  /** A member's home block (where its first point falls): its leader gathers the member's reports. */
  homeBlockOf(member: MemberId): number {
    const slot = Math.floor(((pointsOf(member)[0] as number) / RING_SIZE) * this.slots);
    return Math.floor(slot / SLOTS_PER_BLOCK);
  }
}

/** Rings most recently used that a RingCache keeps. */
export const RING_CACHE_MAX = 16;

/**
 * Rings by member set: tables whose alive sets are equal share one ring (in a simulation of many
 * supernodes in one process most tables pass through the same sets). The key is the caller's
 * cheap digest of the set; a hit is used only if its members are exactly the set asked for, so
 * a digest collision costs a rebuild, never a wrong ring. The least recently used ring is dropped
 * beyond RING_CACHE_MAX.
 */
export class RingCache {
  private readonly rings = new Map<string, Ring>();

  get(key: string, members: Iterable<MemberId>, slots: number, replicas: number): Ring {
    const k = `${key}/${slots}/${replicas}`;
    const wanted = [...new Set(members)].sort();
    let r = this.rings.get(k);
    if (r && (r.members.length !== wanted.length || r.members.some((m, i) => m !== wanted[i]))) r = undefined;
    if (r) {
      this.rings.delete(k);
    } else {
      r = new Ring(wanted, slots, replicas);
      if (this.rings.size >= RING_CACHE_MAX) this.rings.delete(this.rings.keys().next().value as string);
    }
    this.rings.set(k, r);
    return r;
  }
}
