/**
 * The users a device watches (its contacts' presence), kept watched across supernode failures:
 * every name is watched on every attached supernode, so losing one loses no notice; a new
 * session is told the whole list; after a time with no supernode attached at all (and at the
 * start) each name is looked up once, so changes missed meanwhile are caught up. The same change
 * arrives from each attached supernode: it is passed on once, and never an older record after a
 * newer one.
 */

import { checkUsername } from '../login/username.js';
import type { AttachedClient } from './device-publisher.js';
import type { DirectoryClient } from './directory/client.js';
import { DEFAULT_DIRECTORY_LIMITS } from './directory/directory-node.js';
import type { VerifiedUserRecord } from './user-record.js';

/** Users one device watches at most (what one supernode lets a client watch). */
export const WATCH_LIST_MAX = DEFAULT_DIRECTORY_LIMITS.watchesPerClientMax;
/** Catch-up lookups in flight at once. */
const CATCH_UP_PARALLEL = 8;
/** Devices whose newest sequence number is remembered. */
const NEWEST_MAX = 20_000;

/** How a watch list starts. */
export interface WatchListOptions {
  /** The attached supernodes' sessions now, best first (SupernodeAttachment.clients). */
  readonly clients: () => readonly AttachedClient[];
  /** A watched user's device has a newer record. */
  readonly onChange: (record: VerifiedUserRecord) => void;
}

/** Watched users, re-watched on every new session. */
export class WatchList {
  /** Account key -> the username as given. */
  private readonly names = new Map<string, string>();
  /** "account/device" -> newest sequence number passed on. */
  private readonly newest = new Map<string, number>();
  /** Whether the device was without any supernode since the last catch-up (true at the start). */
  private gap = true;

  constructor(private readonly o: WatchListOptions) {}

  /** The watched usernames. */
  list(): string[] {
    return [...this.names.values()];
  }

  /** Watches `username` on every attached supernode (and later ones). */
  add(username: string): void {
    const name = checkUsername(username);
    if (!name.ok) throw new RangeError(`not a username: ${name.reason}`);
    if (this.names.has(name.key)) return;
    if (this.names.size >= WATCH_LIST_MAX) throw new RangeError(`a device watches at most ${WATCH_LIST_MAX} users`);
    this.names.set(name.key, username);
    for (const { client } of this.o.clients()) client.watch(username);
  }

  /** Stops watching `username`. */
  remove(username: string): void {
    const name = checkUsername(username);
    if (!name.ok || !this.names.delete(name.key)) return;
    for (const { client } of this.o.clients()) client.unwatch(username);
    for (const key of [...this.newest.keys()]) if (key.startsWith(`${name.key}/`)) this.newest.delete(key);
  }

  /** The attached set changed (SupernodeAttachment's onChange): none left means notices may be missed. */
  attachedChanged(ids: readonly string[]): void {
    if (ids.length === 0) this.gap = true;
  }

  /** A new session (SupernodeAttachment's onAttach): watch everything there; catch up after a gap. */
  async attached(client: DirectoryClient): Promise<void> {
    for (const username of this.names.values()) client.watch(username);
    if (!this.gap) return;
    this.gap = false;
    const queue = [...this.names.values()];
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        try {
          for (const r of await client.lookup(name)) this.received(r);
        } catch {
          // The watch is in place: the next change arrives as a notice.
        }
      }
    };
    await Promise.all(Array.from({ length: CATCH_UP_PARALLEL }, worker));
  }

  /** A record from a supernode (a notice or a catch-up lookup): passed on if newer than any seen for its device. */
  received(r: VerifiedUserRecord): void {
    if (!this.names.has(r.body.accountKey)) return;
    const key = `${r.body.accountKey}/${Buffer.from(r.body.deviceId).toString('hex')}`;
    if ((this.newest.get(key) ?? -1) >= r.body.seq) return;
    this.newest.delete(key);
    if (this.newest.size >= NEWEST_MAX) this.newest.delete(this.newest.keys().next().value as string);
    this.newest.set(key, r.body.seq);
    this.o.onChange(r);
  }
}
