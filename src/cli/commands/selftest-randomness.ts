/**
 * `parley selftest randomness [--json] [--seed N]`: capture real session packets on 127.0.0.1 and
 * test them for per-position structure (src/transport/selftest-randomness.ts). Exits 1 unless the
 * packets pass and the structured control fails.
 */

import { randomInt } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';

import { runRandomnessSelftest } from '../../transport/selftest-randomness.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';

function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^\d{1,15}$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected a whole number of at most 15 digits.');
  return n;
}

/** Adds `randomness` under `selftest`. */
export function addSelftestRandomnessCommand(selftest: Command, io: CliIo): void {
  selftest
    .command('randomness')
    .description('capture session packets on 127.0.0.1 and run the per-nibble chi-square test on each kind; exits 1 unless they pass and a structured control fails')
    .option('--json', 'print the report as one JSON document')
    .option('--seed <n>', 'seed every key, ephemeral and nonce (default: random, printed)', parseSeed)
    .action(async (opts: { json?: boolean; seed?: number }) => {
      const seed = opts.seed ?? randomInt(0, 2 ** 47);
      const r = await runRandomnessSelftest(seed);
      if (opts.json === true) {
        writeJson(io.stdout, r);
      } else {
        io.stdout.write(`seed ${r.seed}; critical value ${r.critical.toFixed(2)} per position (chi-square, 15 degrees of freedom, p = ${r.falseAlarmP} / ${r.positions} positions)\n`);
        for (const [kind, k] of Object.entries(r.kinds)) {
          io.stdout.write(`  ${kind.padEnd(10)} ${String(k.packets).padStart(5)} packets  first 16 bytes max ${k.firstBytesMax.toFixed(1)}  all bytes max ${k.allBytesMax.toFixed(1)}\n`);
        }
        io.stdout.write(`largest ${r.largest.toFixed(1)} over ${r.positions} positions (random bytes fail with probability ${r.falseAlarmP}): ${r.pass ? 'PASS' : 'FAIL'}\n`);
        io.stdout.write(`control (${r.control.description}): largest ${r.control.largest.toFixed(1)}: ${r.control.fails ? 'fails, as it must' : 'PASSES: the test is broken'}\n`);
      }
      if (!r.pass || !r.control.fails) throw new CliError(`randomness selftest failed (seed ${seed})`, EXIT_FAILURE);
    });
}
