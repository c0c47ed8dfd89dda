/** `parley selftest noise --vectors FILE [--json]`: run Noise test vectors through the implementation. */

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

import { runNoiseVectors } from '../../crypto/noise/index.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import { parseJson } from '../input.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

/** Largest vector file read (the full cacophony set is about 1 MB). */
const VECTOR_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** Adds `noise` under `selftest`. */
export function addSelftestNoiseCommand(selftest: Command, io: CliIo): void {
  const cmd = selftest
    .command('noise')
    .description('run Noise Protocol test vectors (cacophony / noise-c JSON format); exits 1 if any fails')
    .requiredOption('--vectors <file>', 'the vector file: { "vectors": [...] } or an array of vectors')
    .option('--json', 'print { passed, failed, skipped, skippedReasons, failures } as JSON')
    .action((opts: { vectors: string; json?: boolean }) => {
      let text: string;
      try {
        const bytes = readFileSync(opts.vectors);
        if (bytes.length > VECTOR_FILE_MAX_BYTES) throw new Error(`larger than ${VECTOR_FILE_MAX_BYTES} bytes`);
        text = bytes.toString('utf8');
      } catch (e) {
        throw new CliError(`CLI_BAD_FILE: cannot read ${opts.vectors}: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE, commandPath(cmd));
      }
      let report;
      try {
        report = runNoiseVectors(parseJson(text));
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`CLI_BAD_FILE: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE, commandPath(cmd));
      }
      if (opts.json === true) {
        writeJson(io.stdout, report);
      } else {
        io.stdout.write(`passed ${report.passed}, failed ${report.failed}, skipped ${report.skipped}\n`);
        for (const [reason, n] of Object.entries(report.skippedReasons)) io.stdout.write(`  skipped ${n}: ${reason}\n`);
        for (const f of report.failures) io.stdout.write(`  FAILED ${f.name}: ${f.reason}\n`);
      }
      if (report.failed > 0) throw new CliError(`${report.failed} of ${report.passed + report.failed + report.skipped} Noise vectors failed`, EXIT_FAILURE);
    });
}
