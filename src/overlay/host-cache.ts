/**
 * A client's host cache (Skype's: the supernodes it can reach, remembered across runs): up to
 * HOST_CACHE_MAX supernodes with their endpoints, when each was last reached, a smoothed round
 * trip time and recent failures. The client attaches to the best few. Reading a saved cache is
 * total: bad entries are skipped, a bad file gives an empty cache and says why.
 */

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Supernodes a cache holds at most; beyond it the worst is forgotten. */
export const HOST_CACHE_MAX = 200;
/** Weight of a new round-trip sample in the smoothed RTT (as TCP's SRTT, RFC 6298: 1/8). */
const RTT_ALPHA = 1 / 8;
/** The RTT assumed for a supernode never reached (ranks it after those known to be fast). */
const RTT_UNKNOWN_MS = 300;
/** Each recent failure counts as this much extra round-trip time in the ranking. */
const FAILURE_PENALTY_MS = 1_000;
/** Failures are forgiven after this long without one (a supernode may come back). */
const FAILURE_MEMORY_MS = 10 * 60_000;

/** One supernode in the cache. */
export interface HostEntry {
  /** Its Noise static key, hex. */
  readonly id: string;
  /** "udp:host:port" / "tcp:host:port". */
  readonly endpoints: readonly string[];
  lastSeen: number;
  rttMs: number | null;
  failures: number;
  lastFailure: number;
}

const KEY_HEX = /^[0-9a-f]{64}$/;
const ENDPOINT = /^(udp|tcp):(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):([0-9]{1,5})$/;

/** The cache. */
export class HostCache {
  private readonly hosts = new Map<string, HostEntry>();

  /** Adds or refreshes a supernode's endpoints (from network.json, a supernode's list, a certificate). */
  add(id: string, endpoints: readonly string[], now: number): void {
    if (!KEY_HEX.test(id)) return;
    const good = endpoints.filter((e) => ENDPOINT.test(e));
    if (good.length === 0) return;
    const had = this.hosts.get(id);
    if (had) {
      this.hosts.set(id, { ...had, endpoints: good });
      return;
    }
    if (this.hosts.size >= HOST_CACHE_MAX) {
      const worst = this.ranked(now).at(-1);
      if (worst) this.hosts.delete(worst.id);
    }
    this.hosts.set(id, { id, endpoints: good, lastSeen: 0, rttMs: null, failures: 0, lastFailure: 0 });
  }

  /** A supernode answered, after `rttMs`. */
  reached(id: string, rttMs: number, now: number): void {
    const h = this.hosts.get(id);
    if (!h) return;
    h.lastSeen = now;
    h.rttMs = h.rttMs === null ? rttMs : (1 - RTT_ALPHA) * h.rttMs + RTT_ALPHA * rttMs;
  }

  /** A supernode did not answer. */
  failed(id: string, now: number): void {
    const h = this.hosts.get(id);
    if (!h) return;
    h.failures = now - h.lastFailure > FAILURE_MEMORY_MS ? 1 : h.failures + 1;
    h.lastFailure = now;
  }

  private score(h: HostEntry, now: number): number {
    const failures = now - h.lastFailure > FAILURE_MEMORY_MS ? 0 : h.failures;
    return (h.rttMs ?? RTT_UNKNOWN_MS) + failures * FAILURE_PENALTY_MS;
  }

  /** All supernodes, best first. */
  ranked(now: number): HostEntry[] {
    return [...this.hosts.values()].sort((a, b) => this.score(a, now) - this.score(b, now) || b.lastSeen - a.lastSeen || (a.id < b.id ? -1 : 1));
  }

  /** The best `k` supernodes not in `exclude`. */
  best(k: number, now: number, exclude: ReadonlySet<string> = new Set()): HostEntry[] {
    return this.ranked(now)
      .filter((h) => !exclude.has(h.id))
      .slice(0, k);
  }

  /** One supernode's entry, or null. */
  get(id: string): HostEntry | null {
    return this.hosts.get(id) ?? null;
  }

  get size(): number {
    return this.hosts.size;
  }

  /** The saved form. */
  toJSON(): { version: 1; hosts: HostEntry[] } {
    return { version: 1, hosts: [...this.hosts.values()] };
  }

  /** A cache from its saved form; what cannot be read is skipped (`problems` says what). */
  static fromJSON(raw: unknown): { cache: HostCache; problems: string[] } {
    const cache = new HostCache();
    const problems: string[] = [];
    const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : null;
    if (r?.['version'] !== 1 || !Array.isArray(r['hosts'])) return { cache, problems: ['not a host cache of version 1'] };
    for (const [i, x] of (r['hosts'] as unknown[]).entries()) {
      const e = typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {};
      const id = e['id'];
      const endpoints = e['endpoints'];
      if (typeof id !== 'string' || !KEY_HEX.test(id) || !Array.isArray(endpoints) || !endpoints.every((p) => typeof p === 'string' && ENDPOINT.test(p)) || endpoints.length === 0) {
        problems.push(`entry ${i} skipped`);
        continue;
      }
      if (cache.size >= HOST_CACHE_MAX) {
        problems.push(`entries beyond ${HOST_CACHE_MAX} skipped`);
        break;
      }
      const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback);
      cache.hosts.set(id, { id, endpoints: endpoints as string[], lastSeen: num(e['lastSeen'], 0), rttMs: e['rttMs'] === null ? null : num(e['rttMs'], RTT_UNKNOWN_MS), failures: num(e['failures'], 0), lastFailure: num(e['lastFailure'], 0) });
    }
    return { cache, problems };
  }
}

/** Reads a saved cache; a missing or unreadable file gives an empty cache, and `problems` says why. */
export function loadHostCache(path: string): { cache: HostCache; problems: string[] } {
  if (!existsSync(path)) return { cache: new HostCache(), problems: [] };
  try {
    return HostCache.fromJSON(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    return { cache: new HostCache(), problems: [`${path}: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

/** Saves a cache atomically (a crash leaves the old file or the new one, never half of one). */
export function saveHostCache(path: string, cache: HostCache): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cache)}\n`);
  renameSync(tmp, path);
}
