/**
 * Which slots a supernode holds as the membership changes, for every service that keeps data by
 * slot (directory records, offline messages): the slots it gains (to pull from their other
 * replicas) and the slots it loses, which it keeps for a grace period (a request routed by an
 * older table still finds them) before their data goes.
 */

import type { MemberId, Ring } from './ring.js';

/** Held slots and slots on their way out. */
export class SlotHoldings {
  private held = new Set<number>();
  /** Slots no longer held -> when their data goes. */
  private readonly releasing = new Map<number, number>();

  constructor(private readonly graceMs: number) {}

  /** Takes the placement of `ring`; returns the slots `self` gained. */
  update(ring: Ring, self: MemberId, now: number): number[] {
    const nowHeld = new Set(ring.slotsOf(self));
    const gained: number[] = [];
    for (const slot of nowHeld) {
      this.releasing.delete(slot);
      if (!this.held.has(slot)) gained.push(slot);
    }
    for (const slot of this.held) if (!nowHeld.has(slot)) this.releasing.set(slot, now + this.graceMs);
    this.held = nowHeld;
    return gained;
  }

  /** The slots whose grace period has ended (they are forgotten here; drop their data). */
  takeReleased(now: number): Set<number> {
    const out = new Set<number>();
    for (const [slot, at] of this.releasing) {
      if (now < at) continue;
      this.releasing.delete(slot);
      out.add(slot);
    }
    return out;
  }

  /** The slots held now. */
  slots(): ReadonlySet<number> {
    return this.held;
  }

  /** When the next grace period ends, or null. */
  nextRelease(): number | null {
    return this.releasing.size > 0 ? Math.min(...this.releasing.values()) : null;
  }
}
