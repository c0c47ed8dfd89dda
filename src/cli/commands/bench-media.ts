/**
 * `parley bench media [--json]`: the cost of call audio (bench/media-bench.ts, loaded as
 * bench-module.ts explains): per frame, concurrent calls one process carries, a 25-party mix's
 * share of a core, and the added mouth-to-ear delay on loopback.
 */

import type { Command } from 'commander';

import { loadBenchFunction } from '../bench-module.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
// Type only (erased when compiled): the CLI does not depend on bench/ at run time.
import type { MediaBenchReport } from '../../../bench/media-bench.js';

/** dist/bench/media-bench.js, seen from this file at dist/src/cli/commands/. */
export const MEDIA_BENCH_URL = new URL('../../../bench/media-bench.js', import.meta.url);

type RunMediaBench = (opts: { onProgress?: (line: string) => void }) => Promise<MediaBenchReport>;

/** Adds `media` under `bench`. */
export function addBenchMediaCommand(bench: Command, io: CliIo, moduleUrl: URL = MEDIA_BENCH_URL): void {
  bench
    .command('media')
    .description('measure call audio: cost per frame, concurrent calls per process, a 25-party mix, mouth-to-ear delay on loopback')
    .option('--json', 'print the report as one JSON document (progress goes to stderr)')
    .action(async (opts: { json?: boolean }) => {
      const run = await loadBenchFunction<RunMediaBench>(moduleUrl, 'runMediaBench', 'media benchmark');
      const progressTo = opts.json === true ? io.stderr : io.stdout;
      let r: MediaBenchReport;
      try {
        r = await run({ onProgress: (t) => progressTo.write(`${t}\n`) });
      } catch (e) {
        throw new CliError(`media benchmark failed: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      if (opts.json === true) {
        writeJson(io.stdout, r);
        return;
      }
      io.stdout.write(
        [
          `per frame: encode+encrypt ${r.perFrame.encodeEncryptUs} µs, decrypt+decode ${r.perFrame.decryptDecodeUs} µs`,
          `concurrent two-party calls in one process before frames are late: ${r.concurrentCalls.carried}`,
          `25-party mix: ${(r.mix25.cpuShareOfOneCore * 100).toFixed(1)}% of one core (p99 tick ${r.mix25.tickP99Ms} ms)`,
          `added mouth-to-ear delay on loopback: p50 ${r.mouthToEar.p50Ms} ms, p95 ${r.mouthToEar.p95Ms} ms (jitter buffer ${r.mouthToEar.jitterBufferMs} ms)`,
          '',
        ].join('\n'),
      );
    });
}
