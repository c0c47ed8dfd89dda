/**
 * `parley bench directory [--json] [--supernodes N] [--minutes M] [--seed S]`: membership traffic
 * per supernode on the simulated network with churn (bench/directory-bench.ts, loaded as
 * bench-module.ts explains).
 */

import { type Command, InvalidArgumentError } from 'commander';

import { loadBenchFunction } from '../bench-module.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
// Type only (erased when compiled): the CLI does not depend on bench/ at run time.
import type { DirectoryBenchOptions, DirectoryBenchReport } from '../../../bench/directory-bench.js';

/** dist/bench/directory-bench.js, seen from this file at dist/src/cli/commands/. */
export const DIRECTORY_BENCH_URL = new URL('../../../bench/directory-bench.js', import.meta.url);

type RunDirectoryBench = (opts: DirectoryBenchOptions) => Promise<DirectoryBenchReport>;

const wholeNumber =
  (what: string, min: number, max: number) =>
  (text: string): number => {
    const n = Number(text);
    if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`Expected ${what} from ${min} to ${max}.`);
    return n;
  };

/** Adds `directory` under `bench`. */
export function addBenchDirectoryCommand(bench: Command, io: CliIo, moduleUrl: URL = DIRECTORY_BENCH_URL): void {
  bench
    .command('directory')
    .description('measure the directory: membership bytes/s per supernode with churn on the simulated network')
    .option('--json', 'print the report as one JSON document (progress goes to stderr)')
    .option('--supernodes <n>', 'supernodes simulated (default 1000)', wholeNumber('a number of supernodes', 3, 5000))
    .option('--minutes <m>', 'virtual minutes measured (default 10)', wholeNumber('a number of minutes', 1, 240))
    .option('--seed <s>', 'the simulation seed (default 1)', wholeNumber('a seed', 0, 2 ** 31))
    .action(async (opts: { json?: boolean; supernodes?: number; minutes?: number; seed?: number }) => {
      const run = await loadBenchFunction<RunDirectoryBench>(moduleUrl, 'runDirectoryBench', 'directory benchmark');
      const progressTo = opts.json === true ? io.stderr : io.stdout;
      let r: DirectoryBenchReport;
      try {
        r = await run({
          ...(opts.supernodes !== undefined ? { supernodes: opts.supernodes } : {}),
          ...(opts.minutes !== undefined ? { minutes: opts.minutes } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          onProgress: (t) => progressTo.write(`${t}\n`),
        });
      } catch (e) {
        throw new CliError(`directory benchmark failed: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      if (opts.json === true) {
        writeJson(io.stdout, r);
        return;
      }
      const m = r.membership;
      io.stdout.write(
        [
          `membership: ${m.supernodes} supernodes, median session ${m.medianSessionMinutes} min, ${m.measuredMinutes} virtual minutes, ${m.oneWayDelayMs} ms one way, seed ${m.seed}`,
          `churn: ${m.joins} joins, ${m.gracefulLeaves} graceful leaves, ${m.crashes} crashes`,
          `bytes/s per supernode (sent + received, ${m.measured} measured): mean ${m.bytesPerSecond.mean}, p50 ${m.bytesPerSecond.p50}, p99 ${m.bytesPerSecond.p99}, max ${m.bytesPerSecond.max} (target <= 1000)`,
          `tables agree after churn: ${m.agreedAfterChurn ? 'yes' : 'NO'}; ${m.wallSeconds} s of wall time`,
          `lookups: ${r.lookups.supernodes} supernodes, ${r.lookups.clients} clients, ${r.lookups.oneWayDelayMs} ms one way (2 RTT = ${4 * r.lookups.oneWayDelayMs} ms)`,
          ...(
            [
              ['steady', r.lookups.steady],
              ['10% crashed at once', r.lookups.afterTenPercentCrash],
              ['30 s later', r.lookups.afterRecovery],
            ] as const
          ).map(([what, f]) => `  ${what.padEnd(20)} ${f.lookups} lookups, success ${(100 * f.success).toFixed(2)}%, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ${f.hedged} hedged`),
          `through one supernode process: ${r.process.lookupsPerSecond} lookups/s from ${r.process.concurrency} clients over ${r.process.seconds} s, p50 ${r.process.p50Ms} ms, p99 ${r.process.p99Ms} ms, ${r.process.failed} failed`,
          ...(r.failover ? [`attachment failover (${r.failover.supernodes} supernode processes, one of two attached killed): ${r.failover.ms.join(', ')} ms (target <= ${r.failover.targetMs})`] : []),
        ].join('\n') + '\n',
      );
    });
}
