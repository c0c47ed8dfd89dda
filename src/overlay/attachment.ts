/**
 * A client's attachment to supernodes (DESIGN.md: "keeps sessions to 2-3 SNs from its host
 * cache"): sessions to the best few of the host cache, each probed every second; one that does
 * not answer within 1.5 s is dropped, counted as failed in the cache, and replaced by the next
 * best, so a client is on a live supernode again within about 3 s of one dying. Every 30 s it asks
 * a supernode for more supernodes, and saves the cache. A driver, not a protocol core: it owns
 * real sessions, timers and the clock; the ranking it relies on (HostCache) takes `now`.
 */

import type { KeyPair } from '../crypto/noise/index.js';
import { parseServerEndpoint, type ServerAddress } from '../login/network-file.js';
import { DirectoryClient, type DirectoryTrust, type ForwardedBlob, type RelayPush } from './directory/client.js';
import { HOST_CACHE_MAX, type HostCache } from './host-cache.js';
import type { VerifiedUserRecord } from './user-record.js';

/** Supernodes attached to at once by default (2-3, DESIGN.md). */
export const ATTACH_COUNT_DEFAULT = 2;
/** Each attached supernode is probed this often. */
export const ATTACH_PROBE_MS = 1_000;
/** A probe unanswered this long drops the supernode. */
export const ATTACH_PROBE_TIMEOUT_MS = 1_500;
/** The cache asks for more supernodes and is saved this often. */
export const ATTACH_REFRESH_MS = 30_000;
/** Supernodes asked for at each refresh. */
const REFRESH_ASK = 20;

/** How an attachment starts. */
export interface AttachmentOptions {
  readonly cache: HostCache;
  readonly trust: DirectoryTrust;
  /** The device's Noise key: sessions run on it (so `hello` can name the device). */
  readonly staticKey: KeyPair;
  readonly count?: number;
  /** Called when the attached set changes (ids, best first). */
  readonly onChange?: (attached: string[]) => void;
  /** Called after the cache changed enough to be saved. */
  readonly save?: (cache: HostCache) => void;
  /** Called on each new session (to say hello, publish, watch again). */
  readonly onAttach?: (id: string, client: DirectoryClient) => Promise<void> | void;
  /** Hears watched users' new records, from any attached supernode (verified by that session). */
  readonly onRecord?: (record: VerifiedUserRecord, from: string) => void;
  /** Hears blobs other devices forwarded to this one, from any attached supernode. */
  readonly onForwarded?: (f: ForwardedBlob, from: string) => void;
  /** Hears what attached supernodes push about relay allocations. */
  readonly onRelay?: (p: RelayPush, from: string) => void;
}

/** Sessions to the best supernodes of a host cache, kept alive. */
export class SupernodeAttachment {
  private readonly attached = new Map<string, DirectoryClient>();
  private readonly connecting = new Set<string>();
  private probeTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private probing = false;

  /** An attachment not started yet (its callbacks may refer to it before the first session). */
  constructor(private readonly o: AttachmentOptions) {}

  /** A started attachment. */
  static async start(o: AttachmentOptions): Promise<SupernodeAttachment> {
    const a = new SupernodeAttachment(o);
    await a.run();
    return a;
  }

  /** Attaches to the best supernodes of the cache and keeps at it until stop(). */
  async run(): Promise<void> {
    await this.fill();
    if (this.stopped) return;
    this.probeTimer = setInterval(() => void this.probe(), ATTACH_PROBE_MS);
    this.refreshTimer = setInterval(() => void this.refresh(), ATTACH_REFRESH_MS);
  }

  /** The supernodes attached now, best first. */
  ids(): string[] {
    const rank = this.o.cache.ranked(Date.now()).map((h) => h.id);
    return [...this.attached.keys()].sort((a, b) => rank.indexOf(a) - rank.indexOf(b));
  }

  /** The session to the best attached supernode, or null while none is. */
  primary(): DirectoryClient | null {
    const first = this.ids()[0];
    return first === undefined ? null : (this.attached.get(first) ?? null);
  }

  /** The session to this attached supernode, or null. */
  client(id: string): DirectoryClient | null {
    return this.attached.get(id) ?? null;
  }

  /** The sessions to the attached supernodes, best first. */
  clients(): { id: string; client: DirectoryClient }[] {
    return this.ids().flatMap((id) => {
      const client = this.attached.get(id);
      return client ? [{ id, client }] : [];
    });
  }

  private get count(): number {
    return Math.min(3, Math.max(1, this.o.count ?? ATTACH_COUNT_DEFAULT));
  }

  /** Attaches to the next best until `count` are attached (or the cache runs out). */
  private async fill(): Promise<void> {
    const now = Date.now();
    const tried = new Set<string>([...this.attached.keys(), ...this.connecting]);
    while (!this.stopped && this.attached.size + this.connecting.size < this.count) {
      const next = this.o.cache.best(1, now, tried)[0];
      if (!next) break;
      tried.add(next.id);
      const addresses = next.endpoints.map(parseServerEndpoint).filter((e): e is ServerAddress => e !== null);
      this.connecting.add(next.id);
      const started = Date.now();
      try {
        const id = next.id;
        const { onRecord, onForwarded, onRelay } = this.o;
        const client = await DirectoryClient.connect(Buffer.from(id, 'hex'), addresses, this.o.trust, {
          staticKey: this.o.staticKey,
          udpWaitMs: 1_000,
          tcpWaitMs: 2_000,
          ...(onRecord ? { onChange: (r: VerifiedUserRecord) => onRecord(r, id) } : {}),
          ...(onForwarded ? { onForwarded: (f: ForwardedBlob) => onForwarded(f, id) } : {}),
          ...(onRelay ? { onRelay: (p: RelayPush) => onRelay(p, id) } : {}),
        });
        this.o.cache.reached(next.id, Date.now() - started, Date.now());
        if (this.stopped) {
          await client.close();
          return;
        }
        this.attached.set(next.id, client);
        this.o.onChange?.(this.ids());
        // What the caller does on a new session (hello, publish, watch) retries on its own timers.
        await Promise.resolve(this.o.onAttach?.(next.id, client)).catch(() => undefined);
      } catch {
        this.o.cache.failed(next.id, Date.now());
      } finally {
        this.connecting.delete(next.id);
      }
    }
  }

  private async probe(): Promise<void> {
    if (this.stopped || this.probing) return;
    this.probing = true;
    try {
      await this.probeOnce();
    } finally {
      this.probing = false;
    }
  }

  private async probeOnce(): Promise<void> {
    let lost = false;
    await Promise.all(
      [...this.attached].map(async ([id, client]) => {
        const t = Date.now();
        try {
          await client.listSupernodes(0, ATTACH_PROBE_TIMEOUT_MS);
          this.o.cache.reached(id, Date.now() - t, Date.now());
        } catch {
          this.o.cache.failed(id, Date.now());
          this.attached.delete(id);
          lost = true;
          await client.close();
        }
      }),
    );
    if (lost) this.o.onChange?.(this.ids());
    if (this.attached.size < this.count) await this.fill();
  }

  private async refresh(): Promise<void> {
    const client = this.primary();
    if (!client || this.stopped) return;
    try {
      const now = Date.now();
      for (const s of await client.listSupernodes(Math.min(REFRESH_ASK, HOST_CACHE_MAX))) this.o.cache.add(s.id, s.endpoints, now);
      this.o.save?.(this.o.cache);
    } catch {
      // The probe notices a dead supernode; a refresh just waits for the next round.
    }
  }

  /** Closes every session and stops the timers. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const c of this.attached.values()) await c.close();
    this.attached.clear();
    this.o.save?.(this.o.cache);
  }
}
