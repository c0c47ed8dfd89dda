/**
 * The directory's key space (DESIGN.md, "Directory"): usernames hash into slots, slots group into
 * blocks. Every supernode computes the same slot for a name from a cryptographic hash, so a
 * lookup needs no routing: the slot's replicas are known from the membership table (ring.ts).
 */

import { createHash } from 'node:crypto';

/** Slots of the directory (Skype's Global Index had about 2,048). */
export const DEFAULT_SLOTS = 2048;
/** Slots per block; a block is the unit in which membership changes are gathered and spread. */
export const SLOTS_PER_BLOCK = 8;
/** Copies of each slot (DESIGN.md: r = 3). */
export const DEFAULT_REPLICAS = 3;

const SLOT_DOMAIN = Buffer.from('parley slot v1\0', 'ascii');

/** The slot of an account key (the normalised username of username.ts) among `slots`. */
export function slotOf(accountKey: string, slots = DEFAULT_SLOTS): number {
  const digest = createHash('sha256').update(SLOT_DOMAIN).update(accountKey, 'utf8').digest();
  return digest.readUInt32BE(0) % slots;
}

/** The block a slot belongs to. */
export function blockOfSlot(slot: number): number {
  return Math.floor(slot / SLOTS_PER_BLOCK);
}

/** How many blocks `slots` slots make. */
export function blockCount(slots = DEFAULT_SLOTS): number {
  return Math.ceil(slots / SLOTS_PER_BLOCK);
}
