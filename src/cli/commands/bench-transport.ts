/**
 * `parley bench transport [--json] [--seconds S]`: the session layer's throughput against bare
 * AES-256-GCM in the same run, handshakes per second and UDP round trips per second
 * (bench/transport-bench.ts, loaded as bench-module.ts explains).
 */

import type { Command } from 'commander';

import { loadBenchFunction } from '../bench-module.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
import { parseSeconds } from './bench-codec.js';
// Type only (erased when compiled): the CLI does not depend on bench/ at run time.
import type { TransportBenchReport } from '../../../bench/transport-bench.js';

/** dist/bench/transport-bench.js, seen from this file at dist/src/cli/commands/. */
export const TRANSPORT_BENCH_URL = new URL('../../../bench/transport-bench.js', import.meta.url);

type RunTransportBench = (opts: { seconds?: number; onProgress?: (line: string) => void }) => Promise<TransportBenchReport>;

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Adds `transport` under `bench`. */
export function addBenchTransportCommand(bench: Command, io: CliIo, moduleUrl: URL = TRANSPORT_BENCH_URL): void {
  bench
    .command('transport')
    .description('measure the session layer: seal+open vs bare AES-256-GCM, handshakes/s, UDP round trips/s')
    .option('--json', 'print the report as one JSON document (progress goes to stderr)')
    .option('--seconds <s>', 'how long each measurement runs, in seconds (default 1)', parseSeconds)
    .action(async (opts: { json?: boolean; seconds?: number }) => {
      const run = await loadBenchFunction<RunTransportBench>(moduleUrl, 'runTransportBench', 'transport benchmark');
      const progressTo = opts.json === true ? io.stderr : io.stdout;
      let r: TransportBenchReport;
      try {
        r = await run({ ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}), onProgress: (t) => progressTo.write(`${t}\n`) });
      } catch (e) {
        throw new CliError(`transport benchmark failed: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      if (opts.json === true) {
        writeJson(io.stdout, r);
        return;
      }
      io.stdout.write(
        [
          `node ${r.node}, ${r.payloadBytes}-byte payloads`,
          `seal+open through the session layer  ${count(r.sealOpenPerSec)}/s`,
          `bare AES-256-GCM encrypt+decrypt      ${count(r.bareAeadPerSec)}/s`,
          `ratio                                 ${r.ratio.toFixed(3)} (target >= 0.6)`,
          `handshakes                            ${count(r.handshakesPerSec)}/s`,
          `UDP round trips on 127.0.0.1          ${count(r.udpRoundTripsPerSec)}/s`,
        ].join('\n') + '\n',
      );
    });
}
