/**
 * `parley bench login [--json] [--seconds S] [--concurrency N] [--postgres URL]`: registrations/s
 * and logins/s through real login-server processes on SQLite, on PostgreSQL, and with two
 * instances on one PostgreSQL (bench/login-bench.ts, loaded as bench-module.ts explains).
 */

import { type Command, InvalidArgumentError } from 'commander';

import { loadBenchFunction } from '../bench-module.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
import { parseSeconds } from './bench-codec.js';
// Type only (erased when compiled): the CLI does not depend on bench/ at run time.
import type { LoginBenchOptions, LoginBenchReport } from '../../../bench/login-bench.js';

/** dist/bench/login-bench.js, seen from this file at dist/src/cli/commands/. */
export const LOGIN_BENCH_URL = new URL('../../../bench/login-bench.js', import.meta.url);

/** Most clients at once. */
export const BENCH_CONCURRENCY_MAX = 256;

type RunLoginBench = (opts: LoginBenchOptions) => Promise<LoginBenchReport>;

function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < 1 || n > BENCH_CONCURRENCY_MAX) throw new InvalidArgumentError(`Expected a whole number from 1 to ${BENCH_CONCURRENCY_MAX}.`);
  return n;
}

/** The report as a table. */
export function formatLoginBenchReport(r: LoginBenchReport): string {
  const lines = [
    `node ${r.node}, ${r.cpus} CPUs, ${r.concurrency} clients, ${r.seconds} s per phase; clients stretch with ${r.benchKeyStretching}`,
    `(the default client stretching costs ${r.clientStretchMs} ms of client CPU per registration or login, not counted here)`,
    `first login step, median of ${r.loginStartTiming.samples}: registered user ${r.loginStartTiming.knownUs} µs, unknown name ${r.loginStartTiming.unknownUs} µs (difference ${r.loginStartTiming.differenceUs} µs)`,
    '',
    'store       instances  registrations/s  p50 ms  p95 ms  server CPU ms  logins/s  p50 ms  p95 ms  server CPU ms  errors',
  ];
  for (const x of r.results) {
    lines.push(
      [
        x.store.padEnd(10),
        String(x.instances).padStart(10),
        x.registrationsPerSec.toFixed(1).padStart(16),
        x.registrationMs.p50.toFixed(1).padStart(7),
        x.registrationMs.p95.toFixed(1).padStart(7),
        (x.serverCpuMsPerRegistration?.toFixed(2) ?? '-').padStart(14),
        x.loginsPerSec.toFixed(1).padStart(9),
        x.loginMs.p50.toFixed(1).padStart(7),
        x.loginMs.p95.toFixed(1).padStart(7),
        (x.serverCpuMsPerLogin?.toFixed(2) ?? '-').padStart(14),
        String(x.errors).padStart(7),
      ].join(' '),
    );
  }
  for (const x of r.results) if (x.firstError !== null) lines.push(`${x.store}, ${x.instances}: first error: ${x.firstError}`);
  for (const s of r.skipped) lines.push(`${s.store.padEnd(10)} ${String(s.instances).padStart(10)}  skipped: ${s.reason}`);
  return `${lines.join('\n')}\n`;
}

/** Adds `login` under `bench`. */
export function addBenchLoginCommand(bench: Command, io: CliIo, moduleUrl: URL = LOGIN_BENCH_URL): void {
  bench
    .command('login')
    .description('measure the login server: registrations/s and logins/s on SQLite, PostgreSQL, and two instances on PostgreSQL')
    .option('--json', 'print the report as one JSON document (progress goes to stderr)')
    .option('--seconds <s>', 'how long each phase runs, in seconds (default 3)', parseSeconds)
    .option('--concurrency <n>', 'clients at once (default 8)', parseConcurrency)
    .option('--postgres <url>', 'the PostgreSQL server to use (default: $PARLEY_TEST_POSTGRES; without one those rows are skipped)')
    .action(async (opts: { json?: boolean; seconds?: number; concurrency?: number; postgres?: string }) => {
      const run = await loadBenchFunction<RunLoginBench>(moduleUrl, 'runLoginBench', 'login benchmark');
      const progressTo = opts.json === true ? io.stderr : io.stdout;
      const postgres = opts.postgres ?? process.env['PARLEY_TEST_POSTGRES'];
      let r: LoginBenchReport;
      try {
        r = await run({
          ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
          ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
          ...(postgres !== undefined && postgres !== '' ? { postgres } : {}),
          onProgress: (t) => progressTo.write(`${t}\n`),
        });
      } catch (e) {
        throw new CliError(`login benchmark failed: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      if (opts.json === true) writeJson(io.stdout, r);
      else io.stdout.write(formatLoginBenchReport(r));
    });
}
