/**
 * A device's own directory record, kept published (the client side of "publish and refresh the
 * user's record"): signed with the device key, sent through the best attached supernode (the
 * next one when that fails), refreshed at half its TTL, and published again at once when the
 * device's state or its attached supernodes change. Sequence numbers come from the clock, in
 * microseconds, and never go back (max(last + 1, now)), so a restarted device supersedes its
 * older record without a saved counter. A driver with timers; what it signs is user-record.ts.
 */

import type { SigningKey } from '../crypto/ed25519.js';
import { DirectoryClientError, type DirectoryClient } from './directory/client.js';
import { signUserRecord, USER_RECORD_CANDIDATES_MAX, USER_RECORD_SUPERNODES_MAX, USER_RECORD_TTL_DEFAULT_MS, USER_RECORD_TTL_MAX_MS, type Presence } from './user-record.js';

/** A publication that reached no replica is tried again after this long. */
export const PUBLISH_RETRY_MS = 1_000;
/** Shortest TTL a publisher accepts (it refreshes at half). */
export const PUBLISH_TTL_MIN_MS = 2_000;

/** Who the device is: what its records are signed with and filed under. */
export interface DeviceIdentity {
  readonly signingKey: SigningKey;
  /** The device's CA certificate. */
  readonly certificate: Uint8Array;
  readonly network: string;
  readonly accountKey: string;
  readonly deviceId: Uint8Array;
}

/** What the record says about the device. */
export interface DeviceState {
  readonly presence: Presence;
  readonly mood?: string;
  /** Address candidates ("udp:host:port"). */
  readonly candidates: readonly string[];
}

/** An attached supernode's session. */
export interface AttachedClient {
  readonly id: string;
  readonly client: DirectoryClient;
}

/** A record that reached the replicas. */
export interface Publication {
  readonly seq: number;
  readonly at: number;
  readonly stored: number;
  readonly replicas: number;
  /** The supernode it went through. */
  readonly via: string;
  /** The supernodes the record names (the attached ones, best first). */
  readonly supernodes: readonly string[];
  readonly state: DeviceState;
}

/** How a publisher starts. */
export interface PublisherOptions {
  readonly identity: DeviceIdentity;
  readonly state: DeviceState;
  /** The attached supernodes' sessions now, best first (SupernodeAttachment.clients). */
  readonly clients: () => readonly AttachedClient[];
  readonly ttlMs?: number;
  readonly onPublished?: (p: Publication) => void;
  /** A publication failed (it is tried again after PUBLISH_RETRY_MS). */
  readonly onError?: (e: unknown) => void;
}

function checkState(s: DeviceState): void {
  if (s.candidates.length > USER_RECORD_CANDIDATES_MAX) throw new RangeError(`a record names at most ${USER_RECORD_CANDIDATES_MAX} address candidates`);
}

/** Keeps one device's record published. */
export class DevicePublisher {
  private state: DeviceState;
  private readonly ttlMs: number;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private queued: Promise<Publication> | null = null;
  private stopped = false;
  private lastPublication: Publication | null = null;

  private identity: DeviceIdentity;

  constructor(private readonly o: PublisherOptions) {
    this.identity = o.identity;
    checkState(o.state);
    this.state = o.state;
    this.ttlMs = o.ttlMs ?? USER_RECORD_TTL_DEFAULT_MS;
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < PUBLISH_TTL_MIN_MS || this.ttlMs > USER_RECORD_TTL_MAX_MS) throw new RangeError(`a record's TTL is ${PUBLISH_TTL_MIN_MS} to ${USER_RECORD_TTL_MAX_MS} ms`);
  }

  /** The last record that reached the replicas, or null before the first. */
  get last(): Publication | null {
    return this.lastPublication;
  }

  /** What the record says now (published or about to be). */
  get current(): DeviceState {
    return this.state;
  }

  /** Changes what the record says and publishes it; resolves when it reached the replicas. */
  update(change: Partial<DeviceState>): Promise<Publication> {
    const next = { ...this.state, ...change };
    checkState(next);
    this.state = next;
    return this.publishNow();
  }

  /** A renewed certificate (the same keys): published again at once. */
  setCertificate(certificate: Uint8Array): void {
    this.identity = { ...this.identity, certificate };
    this.publishNow().catch(() => undefined);
  }

  /** The attached supernodes changed: the record names them, so publish it again (unless it names these already). */
  attachedChanged(ids: readonly string[]): void {
    if (this.stopped || ids.length === 0) return;
    const named = this.lastPublication?.supernodes ?? [];
    const want = ids.slice(0, USER_RECORD_SUPERNODES_MAX);
    if (named.length === want.length && named.every((x, i) => x === want[i])) return;
    this.publishNow().catch(() => undefined);
  }

  /**
   * Publishes now (after any publication under way; calls made while one waits share it).
   * Rejects when no attached supernode got it to a replica; it is then tried again by itself.
   */
  publishNow(): Promise<Publication> {
    if (this.stopped) return Promise.reject(new DirectoryClientError('STOPPED', 'the publisher is stopped'));
    if (this.queued) return this.queued;
    const p = this.chain.then(() => {
      this.queued = null;
      return this.publishOnce();
    });
    this.queued = p;
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async publishOnce(): Promise<Publication> {
    try {
      const p = await this.tryAll();
      this.lastPublication = p;
      this.schedule(this.ttlMs / 2);
      this.o.onPublished?.(p);
      return p;
    } catch (e) {
      this.schedule(PUBLISH_RETRY_MS);
      this.o.onError?.(e);
      throw e;
    }
  }

  private async tryAll(): Promise<Publication> {
    const clients = this.o.clients();
    if (clients.length === 0) throw new DirectoryClientError('NOT_ATTACHED', 'no supernode is attached');
    const now = Date.now();
    // Microseconds (within 2^53 until the year 2255): a burst of publications stays below a restarted device's first.
    this.seq = Math.max(this.seq + 1, Math.floor((performance.timeOrigin + performance.now()) * 1000));
    const state = this.state;
    const supernodes = clients.slice(0, USER_RECORD_SUPERNODES_MAX).map((c) => c.id);
    const { identity } = this;
    const record = signUserRecord(identity.signingKey, {
      network: identity.network,
      accountKey: identity.accountKey,
      deviceId: identity.deviceId,
      certificate: identity.certificate,
      presence: state.presence,
      ...(state.mood !== undefined ? { mood: state.mood } : {}),
      supernodes: supernodes.map((id) => Buffer.from(id, 'hex')),
      candidates: [...state.candidates],
      seq: this.seq,
      issuedAt: now,
      ttlMs: this.ttlMs,
    });
    let failure: unknown = null;
    for (const { id, client } of clients) {
      try {
        const r = await client.publish(record);
        if (r.stored > 0) return { seq: this.seq, at: now, stored: r.stored, replicas: r.replicas, via: id, supernodes, state };
        failure = new DirectoryClientError('NOT_STORED', `no replica stored the record (of ${r.replicas})`);
      } catch (e) {
        failure = e;
      }
    }
    throw failure;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publishNow().catch(() => undefined);
    }, ms);
  }

  /**
   * Stops refreshing. With `withdraw`, first publishes the device as offline with no candidates
   * (watchers hear it at once, instead of when the record's TTL runs out); best effort.
   */
  async stop(options: { withdraw?: boolean } = {}): Promise<void> {
    if (options.withdraw && !this.stopped && this.lastPublication) await this.update({ presence: 'offline', candidates: [] }).catch(() => undefined);
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
