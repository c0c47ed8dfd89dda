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

/** The ring point of member `id`'s `i`th point. */
function pointOf(id: MemberId, i: number): number {
  return createHash('sha256').update(POINT_DOMAIN).update(Buffer.from(id, 'hex')).update(Uint8Array.of(i)).digest().readUInt32BE(0);
}

/** The ring point of a slot (the middle of its share of the ring). */
export function slotPoint(slot: number, slots: number): number {
  return Math.floor(((slot + 0.5) * RING_SIZE) / slots);
}

/** Replica placement for one membership. */
export class Ring {
  private readonly points: { point: number; member: MemberId }[];
  private readonly replicaCache = new Map<number, MemberId[]>();
  readonly members: readonly MemberId[];

  constructor(
    members: Iterable<MemberId>,
    readonly slots = DEFAULT_SLOTS,
    readonly replicas = DEFAULT_REPLICAS,
  ) {
    this.members = [...new Set(members)].sort();
    this.points = this.members.flatMap((member) => Array.from({ length: RING_POINTS_PER_MEMBER }, (_, i) => ({ point: pointOf(member, i), member })));
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
  slotsOf(member: MemberId): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.slots; s++) if (this.replicasOf(s).includes(member)) out.push(s);
    return out;
  }

  /** The leader of a block: the primary of its first slot. */
  leaderOf(block: number): MemberId | null {
    return this.replicasOf(block * SLOTS_PER_BLOCK)[0] ?? null;
  }

  /** Every distinct block leader, in block order. */
  leaders(): MemberId[] {
    const out: MemberId[] = [];
    for (let b = 0; b < blockCount(this.slots); b++) {
      const l = this.leaderOf(b);
      if (l !== null && !out.includes(l)) out.push(l);
    }
    return out;
  }

  /** A member's home block (where its first point falls): its leader gathers the member's reports. */
  homeBlockOf(member: MemberId): number {
    const slot = Math.floor((pointOf(member, 0) / RING_SIZE) * this.slots);
    return Math.floor(slot / SLOTS_PER_BLOCK);
  }
}
