/**
 * The login benchmark (issue #4): registrations and logins per second through real login-server
 * processes over UDP on 127.0.0.1, on SQLite, on PostgreSQL, and with two instances sharing one
 * PostgreSQL. Each operation is what a client does: a new secure session (handshake), the two
 * OPAQUE round trips, close.
 *
 * The clients here lower their password stretching (argon2id, 8 KiB, 1 pass): stretching runs
 * only on the client and the server's work is the same whatever the client chose, so with the
 * default (about 0.2 s of CPU per operation) this process would measure its own argon2id rather
 * than the server. What the default costs a real client is reported on its own
 * (clientStretchMs).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as opaque from '@serenity-kit/opaque';
import pg from 'pg';

import { signingKeyFromSeed } from '../src/crypto/ed25519.js';
import { LoginService } from '../src/login/accounts.js';
import { LoginClient, type KeyStretching } from '../src/login/client.js';
import { initNetwork } from '../src/login/network-init.js';
import { SqliteLoginStore } from '../src/login/store/sqlite-store.js';

/** The built program, dist/src/cli/main.js, seen from dist/bench/. */
const PARLEY_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
/** The clients' password stretching in the benchmark (see the file comment). */
export const BENCH_KEY_STRETCHING: KeyStretching = { 'argon2id-custom': { iterations: 1, memory: 8, parallelism: 1 } };
/** Clients running at once. */
export const DEFAULT_CONCURRENCY = 8;
/** Default length of each timed phase. */
export const DEFAULT_SECONDS = 3;
/** Linux's USER_HZ, the unit of /proc/PID/stat's CPU times (100 on every architecture Node runs on). */
const CLOCK_TICKS_PER_SECOND = 100;
/** Default stretchings timed for clientStretchMs. */
const STRETCH_SAMPLES = 3;

/** One configuration's figures. */
export interface LoginBenchResult {
  store: 'sqlite' | 'postgres';
  instances: number;
  registrationsPerSec: number;
  loginsPerSec: number;
  /**
   * CPU milliseconds the login-server processes spent per operation (user + system, from
   * /proc; null where there is none): what one core costs per registration or login,
   * independent of the clients sharing this machine.
   */
  serverCpuMsPerRegistration: number | null;
  serverCpuMsPerLogin: number | null;
  /** Milliseconds per operation as a client sees it (median and 95th percentile). */
  registrationMs: { p50: number; p95: number };
  loginMs: { p50: number; p95: number };
  registrations: number;
  logins: number;
  /** Operations that failed (any failure is a bug or an overload worth reading about), and the first one's message. */
  errors: number;
  firstError: string | null;
}

/** What `runLoginBench` resolves to. */
export interface LoginBenchReport {
  node: string;
  cpus: number;
  seconds: number;
  concurrency: number;
  /** The clients' stretching in this run. */
  benchKeyStretching: string;
  /** What the library's default stretching costs one client per registration or login, ms. */
  clientStretchMs: number;
  /**
   * The server's first login step for a registered user and for an unknown name, in-process on
   * SQLite, interleaved (median microseconds of each and their difference): the step a client
   * could time to learn whether a name exists.
   */
  loginStartTiming: { knownUs: number; unknownUs: number; differenceUs: number; samples: number };
  results: LoginBenchResult[];
  /** Configurations not run, and why. */
  skipped: { store: string; instances: number; reason: string }[];
}

/** How to run it. */
export interface LoginBenchOptions {
  seconds?: number;
  concurrency?: number;
  /** A PostgreSQL URL; without one the PostgreSQL rows are skipped with that reason. */
  postgres?: string;
  onProgress?: (line: string) => void;
}

interface Server {
  child: ChildProcess;
  port: number;
}

async function startServer(network: string, db: string): Promise<Server> {
  const args = [PARLEY_MAIN, 'login-server', '--network', network, '--listen', '127.0.0.1:0', '--no-tcp', '--db', db, '--limit', 'registrationsPerAddressPerHour=1000000000'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the login server exited (${String(code)}) before it listened`);
  });
  const line = once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line').then(([l]) => l as string);
  const first = await Promise.race([line, exited]);
  return { child, port: (JSON.parse(first) as { port: number }).port };
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null) return;
  s.child.kill('SIGTERM');
  await once(s.child, 'exit');
}

/** CPU milliseconds (user + system) `pid` has used, from /proc/PID/stat, or null where that cannot be read. */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // The fields after the command name (which may hold spaces) start at its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime and stime (fields 14 and 15)
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** The servers' CPU milliseconds together, or null. */
function serversCpuMs(servers: Server[]): number | null {
  let total = 0;
  for (const s of servers) {
    const ms = cpuMsOf(s.child.pid);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}

const percentile = (sorted: number[], p: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number));

/** Runs `op(worker, i)` on `concurrency` workers for `seconds`; completions per second and latencies. */
async function phase(seconds: number, concurrency: number, op: (worker: number, i: number) => Promise<void>): Promise<{ done: number; errors: number; firstError: string | null; perSec: number; ms: { p50: number; p95: number } }> {
  const start = performance.now();
  const end = start + seconds * 1000;
  const times: number[] = [];
  const failed: { count: number; first: Error | null } = { count: 0, first: null };
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        try {
          await op(worker, i);
          times.push(performance.now() - t);
        } catch (e) {
          failed.count++;
          failed.first ??= e instanceof Error ? e : new Error(String(e));
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  if (times.length === 0 && failed.first !== null) throw failed.first;
  times.sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { done: times.length, errors: failed.count, firstError: failed.first?.message ?? null, perSec: times.length / elapsed, ms: { p50: round(percentile(times, 0.5)), p95: round(percentile(times, 0.95)) } };
}

/** Registrations, then logins of the registered users, against `servers` (workers spread over them). */
async function measure(store: 'sqlite' | 'postgres', serverKey: Uint8Array, servers: Server[], seconds: number, concurrency: number): Promise<LoginBenchResult> {
  const tag = randomBytes(3).toString('hex');
  const connect = (worker: number): Promise<LoginClient> =>
    LoginClient.connect(serverKey, [{ transport: 'udp', host: '127.0.0.1', port: (servers[worker % servers.length] as Server).port }], { keyStretching: BENCH_KEY_STRETCHING });
  const onSession = async <T>(worker: number, run: (c: LoginClient) => Promise<T>): Promise<T> => {
    const c = await connect(worker);
    try {
      return await run(c);
    } finally {
      await c.close();
    }
  };
  const registered: string[][] = Array.from({ length: concurrency }, () => []);
  const cpu0 = serversCpuMs(servers);
  const reg = await phase(seconds, concurrency, async (w, i) => {
    const name = `b${tag}w${w}n${i}`;
    await onSession(w, (c) => c.register(name, `password of ${name}`));
    registered[w]?.push(name);
  });
  const devices = new Map<string, { deviceId: Uint8Array; noiseKey: Uint8Array; signingKey: Uint8Array }>();
  const cpu1 = serversCpuMs(servers);
  const login = await phase(seconds, concurrency, async (w, i) => {
    const mine = registered[w] ?? [];
    if (mine.length === 0) throw new Error('this worker registered no one');
    const name = mine[i % mine.length] as string;
    let keys = devices.get(name);
    if (!keys) devices.set(name, (keys = { deviceId: new Uint8Array(randomBytes(16)), noiseKey: new Uint8Array(randomBytes(32)), signingKey: new Uint8Array(randomBytes(32)) }));
    const device = keys;
    await onSession(w, (c) => c.login(name, `password of ${name}`, device));
  });
  const cpu2 = serversCpuMs(servers);
  const perOp = (from: number | null, to: number | null, n: number): number | null => (from === null || to === null || n === 0 ? null : Math.round(((to - from) / n) * 100) / 100);
  return {
    store,
    instances: servers.length,
    serverCpuMsPerRegistration: perOp(cpu0, cpu1, reg.done),
    serverCpuMsPerLogin: perOp(cpu1, cpu2, login.done),
    registrationsPerSec: Math.round(reg.perSec * 10) / 10,
    loginsPerSec: Math.round(login.perSec * 10) / 10,
    registrationMs: reg.ms,
    loginMs: login.ms,
    registrations: reg.done,
    logins: login.done,
    errors: reg.errors + login.errors,
    firstError: reg.firstError ?? login.firstError,
  };
}

/** Milliseconds the library's default stretching takes for one registration on this machine. */
/** Samples of each kind for loginStartTiming. */
const TIMING_SAMPLES = 400;

/** Median microseconds of the server's loginStart for a registered user and for an unknown name. */
async function loginStartTiming(dir: string): Promise<LoginBenchReport['loginStartTiming']> {
  await opaque.ready;
  const store = new SqliteLoginStore(join(dir, 'timing.db'));
  await store.migrate();
  try {
    // Limits out of the way: every attempt here is a "failure" until it finishes.
    const svc = new LoginService({ store, ca: signingKeyFromSeed(new Uint8Array(randomBytes(32))), network: 'timing', opaqueSetup: await LoginService.createOpaqueSetup(), limits: { failedLoginsPerAccount: 1e9, failedLoginsPerAddress: 1e9 } });
    const c = opaque.client.startRegistration({ password: 'timing' });
    const s = await svc.registerStart('known', c.registrationRequest, '192.0.2.1', Date.now());
    if (!s.ok) throw new Error(`timing setup: ${s.reason}`);
    const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState: c.clientRegistrationState, registrationResponse: s.registrationResponse, password: 'timing', keyStretching: BENCH_KEY_STRETCHING });
    if (!(await svc.registerFinish('known', registrationRecord, Date.now())).ok) throw new Error('timing setup: registration failed');
    const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
    for (let i = 0; i < TIMING_SAMPLES * 2; i++) {
      const kind = i % 2 === 0 ? 'known' : 'unknown';
      const request = opaque.client.startLogin({ password: 'wrong' }).startLoginRequest;
      const t = process.hrtime.bigint();
      await svc.loginStart(kind === 'known' ? 'known' : `nobody${i}`, request, `192.0.2.${i % 200}`, Date.now());
      times[kind].push(Number(process.hrtime.bigint() - t) / 1000);
    }
    const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 0.5);
    const knownUs = Math.round(median(times.known));
    const unknownUs = Math.round(median(times.unknown));
    return { knownUs, unknownUs, differenceUs: unknownUs - knownUs, samples: TIMING_SAMPLES };
  } finally {
    await store.close();
  }
}

async function defaultStretchMs(): Promise<number> {
  await opaque.ready;
  const setup = opaque.server.createSetup();
  let total = 0;
  for (let i = 0; i < STRETCH_SAMPLES; i++) {
    const c = opaque.client.startRegistration({ password: 'stretch me' });
    const s = opaque.server.createRegistrationResponse({ serverSetup: setup, userIdentifier: 'u', registrationRequest: c.registrationRequest });
    const t = performance.now();
    opaque.client.finishRegistration({ clientRegistrationState: c.clientRegistrationState, registrationResponse: s.registrationResponse, password: 'stretch me' });
    total += performance.now() - t;
  }
  return Math.round(total / STRETCH_SAMPLES);
}

/** A fresh schema on the PostgreSQL server and a URL whose sessions use it; drop() removes it. */
async function freshSchema(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `parley_bench_${randomBytes(6).toString('hex')}`;
  const sql = async (text: string): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await sql(`CREATE SCHEMA ${schema}`);
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

/** Runs every configuration and reports. */
export async function runLoginBench(options: LoginBenchOptions = {}): Promise<LoginBenchReport> {
  const seconds = options.seconds ?? DEFAULT_SECONDS;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const progress = options.onProgress ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'parley-bench-login-'));
  const results: LoginBenchResult[] = [];
  const skipped: LoginBenchReport['skipped'] = [];
  try {
    progress('timing the default client password stretching');
    const clientStretchMs = await defaultStretchMs();
    progress('timing the first login step: a registered user and unknown names');
    const timing = await loginStartTiming(root);
    const configs: { store: 'sqlite' | 'postgres'; instances: number }[] = [
      { store: 'sqlite', instances: 1 },
      { store: 'postgres', instances: 1 },
      { store: 'postgres', instances: 2 },
    ];
    for (const [n, config] of configs.entries()) {
      const what = `${config.store}, ${config.instances} instance${config.instances > 1 ? 's' : ''}`;
      if (config.store === 'postgres' && options.postgres === undefined) {
        skipped.push({ ...config, reason: 'no PostgreSQL URL (--postgres URL or PARLEY_TEST_POSTGRES)' });
        progress(`${what}: skipped, no PostgreSQL URL`);
        continue;
      }
      const dir = join(root, `net${n}`);
      const { network } = initNetwork(dir, `bench${n}`);
      const serverKey = new Uint8Array(Buffer.from(network.loginServers[0]?.staticKey ?? '', 'hex'));
      const schema = config.store === 'postgres' ? await freshSchema(options.postgres as string) : null;
      const db = schema ? schema.url : `sqlite:${join(dir, 'login.db')}`;
      const servers: Server[] = [];
      try {
        // One after the other: the first migrates the schema, the second finds it done.
        for (let i = 0; i < config.instances; i++) servers.push(await startServer(dir, db));
        progress(`${what}: ${seconds} s of registrations, then ${seconds} s of logins, ${concurrency} clients`);
        const r = await measure(config.store, serverKey, servers, seconds, concurrency);
        progress(`${what}: ${r.registrationsPerSec} registrations/s, ${r.loginsPerSec} logins/s, ${r.errors} errors`);
        results.push(r);
      } finally {
        await Promise.all(servers.map(stopServer));
        await schema?.drop();
      }
    }
    return { node: process.version, cpus: cpus().length, seconds, concurrency, benchKeyStretching: 'argon2id, 8 KiB, 1 pass, 1 lane', clientStretchMs, loginStartTiming: timing, results, skipped };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
