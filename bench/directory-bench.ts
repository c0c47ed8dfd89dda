/**
 * The directory benchmark (issue #5). This part measures membership traffic: 1,000 supernodes
 * on the seeded in-memory network (50 ms one-way delay), each living for an exponentially
 * distributed session with a one-hour median, replaced by a newcomer that joins through a random
 * member when it ends (half leave gracefully, half crash). It reports the bytes each supernode
 * sends and receives per second for membership (probes, reports, batches, joins' table transfers,
 * anti-entropy), counted as encoded messages plus the session layer's 28 bytes per packet.
 *
 * It also measures lookups on the same kind of network: 100 supernodes with the directory and
 * 1,000 clients, 50 ms one way; latency (virtual ms, from the client) and success, in steady state
 * and in the 10 s after 10% of the supernodes crash at once (before the membership has noticed),
 * counting only clients whose own supernode survived (the others reattach elsewhere: the client
 * library's job).
 *
 * Then lookups per second through one real `parley supernode` process, from concurrent clients
 * on their own secure sessions over UDP on 127.0.0.1; last, how fast a client's attachment moves
 * off a killed supernode (attach-failover.ts).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { signingKeyFromSeed } from '../src/crypto/ed25519.js';
import { issueCertificate } from '../src/login/certificate.js';
import { DirectoryClient } from '../src/overlay/directory/client.js';
import { signUserRecord } from '../src/overlay/user-record.js';
import { MembershipSim, type SimSupernode } from '../src/sim/membership-sim.js';
import { measureFailover, type FailoverFigures } from './attach-failover.js';
import { startSupernodeProcesses, type BenchSupernode } from './supernode-processes.js';
import { OverlaySim, type LookupOutcome, type SimClient } from '../src/sim/overlay-sim.js';
import { Prng } from '../src/util/prng.js';

/** What `runDirectoryBench` resolves to. */
export interface DirectoryBenchReport {
  node: string;
  membership: {
    supernodes: number;
    medianSessionMinutes: number;
    measuredMinutes: number;
    oneWayDelayMs: number;
    seed: number;
    joins: number;
    gracefulLeaves: number;
    crashes: number;
    /** Bytes sent plus received per second, per supernode present for the whole measurement. */
    bytesPerSecond: { mean: number; p50: number; p99: number; max: number };
    /** Supernodes measured (present from start to end of the window). */
    measured: number;
    /** Whether every table agreed after churn stopped and 60 s passed. */
    agreedAfterChurn: boolean;
    /** Wall-clock seconds the simulation took. */
    wallSeconds: number;
  };
  lookups: {
    supernodes: number;
    clients: number;
    oneWayDelayMs: number;
    steady: LookupFigures;
    /** Lookups issued in the 10 s after 10% of the supernodes crashed at once. */
    afterTenPercentCrash: LookupFigures;
    /** Lookups issued 30-40 s after the crash (the membership has noticed; owners' supernodes have re-put their records). */
    afterRecovery: LookupFigures;
  };
  /** Lookups through one real supernode process. */
  process: { lookupsPerSecond: number; p50Ms: number; p99Ms: number; failed: number; concurrency: number; seconds: number };
  /** A client's attachment moving off killed supernode processes (null: skipped). */
  failover: FailoverFigures | null;
}

/** Latency and success of a set of lookups. */
export interface LookupFigures {
  lookups: number;
  success: number;
  /** Virtual milliseconds from the client's request to its answer. */
  p50Ms: number;
  p99Ms: number;
  /** Lookups that needed a second replica. */
  hedged: number;
}

/** How to run it. */
export interface DirectoryBenchOptions {
  supernodes?: number;
  minutes?: number;
  medianSessionMinutes?: number;
  seed?: number;
  /** Skip the lookup measurement (tests of the membership part). */
  skipLookups?: boolean;
  /** Skip the failover measurement (tests). */
  skipFailover?: boolean;
  /** Seconds and clients of the lookups through one supernode process. */
  processSeconds?: number;
  processConcurrency?: number;
  onProgress?: (line: string) => void;
}

const EMPTY_FIGURES: LookupFigures = { lookups: 0, success: 0, p50Ms: 0, p99Ms: 0, hedged: 0 };

const MINUTE_MS = 60_000;
/** Users published before the process lookups. */
const PROCESS_USERS = 1000;
/** Virtual time run before measuring (probes and timers settle after the warm start). */
const WARMUP_MS = MINUTE_MS;
/** Virtual time after churn stops for the tables to agree. */
const SETTLE_MS = MINUTE_MS;

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Lookups on 100 supernodes and 1,000 clients, steady and right after 10% crash. */
function measureLookups(seed: number, progress: (line: string) => void): DirectoryBenchReport['lookups'] {
  const supernodes = 100;
  const clients = 1000;
  const delayMs = 50;
  const sim = new OverlaySim(seed, { delayMs, jitterMs: 10, loss: 0 });
  const sns = sim.startWarm(supernodes);
  sim.runFor(2_000);
  progress(`lookups: ${supernodes} supernodes, ${clients} clients publishing`);
  const users = Array.from({ length: clients }, (_, i) => sim.addClient(`user${i}`, (sns[i % supernodes] as SimSupernode).id));
  for (const u of users) {
    u.publish(sim.net.now);
    sim.flush(u);
  }
  sim.runFor(5_000);
  const rng = new Prng(seed * 13 + 1);
  const hedgedNow = (): number => [...sim.supernodes.values()].reduce((n, s) => n + s.directory.stats.hedged, 0);
  /** Each client in `who` looks up `each` random users, spread over `spreadMs`. */
  const round = (who: readonly SimClient[], each: number, spreadMs: number): LookupFigures => {
    const hedged0 = hedgedNow();
    const outs: LookupOutcome[] = [];
    const plan = who.flatMap((c) => Array.from({ length: each }, () => ({ c, at: rng.float() * spreadMs, target: `user${rng.below(clients)}` }))).sort((a, b) => a.at - b.at);
    const start = sim.net.now;
    for (const p of plan) {
      sim.net.run(start + p.at);
      outs.push(p.c.lookup(p.target, sim.net.now));
      sim.flush(p.c);
    }
    sim.runFor(5_000);
    const ok = outs.filter((o) => o.records.length > 0);
    const lat = ok.map((o) => o.latencyMs ?? 0).sort((a, b) => a - b);
    return { lookups: outs.length, success: outs.length === 0 ? 0 : ok.length / outs.length, p50Ms: Math.round(quantile(lat, 0.5)), p99Ms: Math.round(quantile(lat, 0.99)), hedged: hedgedNow() - hedged0 };
  };
  progress('lookups: steady state');
  const steady = round(users, 2, 10_000);
  progress('lookups: 10% of the supernodes crash at once');
  for (const s of sns.filter((_, i) => i % 10 === 3)) sim.kill(s.id);
  const survivors = users.filter((u) => sim.supernodes.has(u.supernode));
  const afterCrash = round(survivors, 2, 10_000);
  sim.runFor(15_000);
  progress('lookups: after the membership noticed');
  const afterRecovery = round(survivors, 2, 10_000);
  return { supernodes, clients, oneWayDelayMs: delayMs, steady, afterTenPercentCrash: afterCrash, afterRecovery };
}

/**
 * Lookups per second through one real supernode process (a network of one: it holds every slot
 * and answers from its own store), from `concurrency` clients on their own sessions, each
 * looking up random users of 1,000 published ones, for `seconds`.
 */
async function measureProcessLookups(seconds: number, concurrency: number, progress: (line: string) => void): Promise<DirectoryBenchReport['process']> {
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-directory-'));
  let stopSupernodes: () => Promise<void> = () => Promise.resolve();
  const clients: DirectoryClient[] = [];
  try {
    const { network, ca, supernodes, stop } = await startSupernodeProcesses(root, 'bench', 1);
    stopSupernodes = stop;
    const sn = supernodes[0] as BenchSupernode;
    const publicKey = new Uint8Array(Buffer.from(sn.id, 'hex'));
    const port = Number(sn.endpoint.split(':').at(-1));
    const trust = { caPublicKey: new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network: network.name };
    const connect = async (): Promise<DirectoryClient> => {
      const c = await DirectoryClient.connect(publicKey, [{ transport: 'udp', host: '127.0.0.1', port }], trust);
      clients.push(c);
      return c;
    };
    progress(`process: publishing ${PROCESS_USERS} records`);
    const publisher = await connect();
    const rng = new Prng(77);
    const now = Date.now();
    for (let i = 0; i < PROCESS_USERS; i++) {
      const key = signingKeyFromSeed(rng.bytes(32));
      const deviceId = rng.bytes(16);
      const certificate = issueCertificate(ca, { kind: 'device', network: network.name, username: `user${i}`, deviceId, noiseKey: rng.bytes(32), signingKey: key.publicKey, notBefore: now - 1000, notAfter: now + 3_600_000, serial: i + 1, endpoints: [] });
      await publisher.publish(signUserRecord(key, { network: network.name, accountKey: `user${i}`, deviceId, certificate, presence: 'online', supernodes: [], candidates: [], seq: 1, issuedAt: now, ttlMs: 600_000 }));
    }
    progress(`process: ${seconds} s of lookups from ${concurrency} clients`);
    const sessions = await Promise.all(Array.from({ length: concurrency }, connect));
    const times: number[] = [];
    let failed = 0;
    const end = performance.now() + seconds * 1000;
    const start = performance.now();
    await Promise.all(
      sessions.map(async (c) => {
        while (performance.now() < end) {
          const t = performance.now();
          const found = await c.lookup(`user${rng.below(PROCESS_USERS)}`);
          if (found.length === 1) times.push(performance.now() - t);
          else failed++;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    times.sort((a, b) => a - b);
    return { lookupsPerSecond: Math.round(times.length / elapsed), p50Ms: Math.round(quantile(times, 0.5) * 100) / 100, p99Ms: Math.round(quantile(times, 0.99) * 100) / 100, failed, concurrency, seconds };
  } finally {
    for (const c of clients) await c.close();
    await stopSupernodes();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs the membership and lookup measurements. */
export async function runDirectoryBench(options: DirectoryBenchOptions = {}): Promise<DirectoryBenchReport> {
  const n = options.supernodes ?? 1000;
  const minutes = options.minutes ?? 10;
  const median = options.medianSessionMinutes ?? 60;
  const seed = options.seed ?? 1;
  const progress = options.onProgress ?? (() => {});
  const started = performance.now();
  const rng = new Prng(seed * 7 + 3);
  const delayMs = 50;
  const sim = new MembershipSim(seed, { delayMs, jitterMs: 10, loss: 0 });
  progress(`starting ${n} supernodes from a shared table`);
  const alive = new Map<string, SimSupernode>();
  for (const s of sim.startWarm(n)) alive.set(s.id, s);
  sim.runFor(WARMUP_MS);

  // Exponential lifetimes with the given median: mean = median / ln 2.
  const meanMs = (median * MINUTE_MS) / Math.LN2;
  const lifetime = (): number => -Math.log(1 - rng.float()) * meanMs;
  const deaths: { at: number; id: string }[] = [];
  const schedule = (id: string): void => {
    deaths.push({ at: sim.net.now + lifetime(), id });
    deaths.sort((a, b) => a.at - b.at);
  };
  for (const id of alive.keys()) schedule(id);

  const windowStart = sim.net.now;
  const windowEnd = windowStart + minutes * MINUTE_MS;
  const before = new Map<string, number>();
  for (const id of alive.keys()) {
    const t = sim.net.traffic(id);
    before.set(id, (t?.sentBytes ?? 0) + (t?.receivedBytes ?? 0));
  }
  let joins = 0;
  let graceful = 0;
  let crashes = 0;
  let lastProgress = windowStart;
  while (sim.net.now < windowEnd) {
    const next = deaths[0];
    const until = next && next.at < windowEnd ? next.at : windowEnd;
    sim.net.run(until);
    if (sim.net.now - lastProgress >= MINUTE_MS) {
      lastProgress = sim.net.now;
      progress(`${((sim.net.now - windowStart) / MINUTE_MS).toFixed(0)} of ${minutes} minutes: ${joins} joins, ${graceful} leaves, ${crashes} crashes`);
    }
    if (!next || next.at >= windowEnd) break;
    deaths.shift();
    const member = sim.members.get(next.id);
    if (rng.chance(0.5) && member) {
      member.leave(sim.net.now);
      sim.net.drain(next.id);
      graceful++;
    } else {
      crashes++;
    }
    sim.kill(next.id);
    alive.delete(next.id);
    before.delete(next.id);
    const newcomer = sim.identity();
    const ids = [...alive.keys()];
    sim.start(newcomer, [ids[rng.below(ids.length)] as string]);
    alive.set(newcomer.id, newcomer);
    schedule(newcomer.id);
    joins++;
  }
  const seconds = (sim.net.now - windowStart) / 1000;
  const rates: number[] = [];
  for (const [id, start] of before) {
    const t = sim.net.traffic(id);
    if (t) rates.push((t.sentBytes + t.receivedBytes - start) / seconds);
  }
  rates.sort((a, b) => a - b);
  progress('churn stopped; letting the tables settle');
  sim.runFor(SETTLE_MS);
  const agreed = sim.agree([...alive.keys()]);
  const round = (x: number): number => Math.round(x);
  const lookups = options.skipLookups === true ? null : measureLookups(seed, progress);
  const processFigures = await measureProcessLookups(options.processSeconds ?? 3, options.processConcurrency ?? 8, progress);
  const failover = options.skipFailover === true ? null : await measureFailover(progress);
  return {
    node: process.version,
    membership: {
      supernodes: n,
      medianSessionMinutes: median,
      measuredMinutes: minutes,
      oneWayDelayMs: delayMs,
      seed,
      joins,
      gracefulLeaves: graceful,
      crashes,
      bytesPerSecond: { mean: round(rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length)), p50: round(quantile(rates, 0.5)), p99: round(quantile(rates, 0.99)), max: round(rates.at(-1) ?? 0) },
      measured: rates.length,
      agreedAfterChurn: agreed,
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    },
    lookups: lookups ?? { supernodes: 0, clients: 0, oneWayDelayMs: 0, steady: EMPTY_FIGURES, afterTenPercentCrash: EMPTY_FIGURES, afterRecovery: EMPTY_FIGURES },
    process: processFigures,
    failover,
  };
}
