/**
 * `npm run fuzz`: feeds both total decoders at least a million cases each — random byte strings and
 * mutated valid encodings (cases.ts) — and checks that every result is a message or a coded remote
 * error, within the limits it was decoded under.
 *
 *   node dist/test/fuzz/run.js [--cases N] [--seed S] [--case I]
 *
 * --cases: cases per decoder (default 1,000,000); --seed: the run's seed (default random, always
 * printed); --case: replay one case index of that seed and print it. Progress goes to stderr, a
 * final JSON line to stdout; the exit code is 1 if any invariant broke.
 *
 * Node 20's test runner executes every .js file under a `test` directory, this one included: under
 * the runner it registers one skipped test instead of fuzzing.
 */

import { randomInt } from 'node:crypto';
import { test } from 'node:test';

import type { WireEncoding } from '../../src/wire/message.js';
import { buildPool, checkCase, count, type FuzzCase, hex, makeCase, newTally, POOL_MESSAGES, type Tally } from './cases.js';

const DEFAULT_CASES_PER_DECODER = 1_000_000;
/** Stop after this many broken invariants: the first few say enough. */
const MAX_VIOLATIONS = 5;
const ENCODINGS: readonly WireEncoding[] = ['plain', 'compressed'];

interface Args {
  cases: number;
  seed: number;
  only: number | null;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { cases: DEFAULT_CASES_PER_DECODER, seed: randomInt(0, 2 ** 31), only: null };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = Number(argv[i + 1]);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} needs a non-negative integer, got ${argv[i + 1]}`);
    if (name === '--cases') args.cases = value;
    else if (name === '--seed') args.seed = value;
    else if (name === '--case') args.only = value;
    else throw new Error(`unknown argument ${name}; usage: run.js [--cases N] [--seed S] [--case I]`);
  }
  return args;
}

/** Case index `i` of `encoding`: the two decoders take turns, so indexes never collide. */
const indexOf = (i: number, encoding: WireEncoding): number => 2 * i + ENCODINGS.indexOf(encoding);

function show(c: FuzzCase, index: number, seed: number): string {
  return JSON.stringify({ seed, case: index, encoding: c.encoding, kind: c.kind, limits: c.limits ?? 'default', hex: hex(c.bytes) });
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const pool = buildPool(args.seed, POOL_MESSAGES);
  process.stderr.write(`fuzz: seed ${args.seed}, ${args.cases} cases per decoder, ${pool.messages.length} valid messages to mutate\n`);

  if (args.only !== null) {
    const c = makeCase(args.seed, args.only, pool, ENCODINGS[args.only % 2] as WireEncoding);
    process.stdout.write(`${show(c, args.only, args.seed)}\n${JSON.stringify(checkCase(c.bytes, c.limits))}\n`);
    return;
  }

  const tallies: Record<WireEncoding, Tally> = { plain: newTally(), compressed: newTally() };
  const step = Math.max(1, Math.ceil(args.cases / 10));
  let violations = 0;
  for (let i = 0; i < args.cases && violations < MAX_VIOLATIONS; i++) {
    for (const encoding of ENCODINGS) {
      const index = indexOf(i, encoding);
      const c = makeCase(args.seed, index, pool, encoding);
      const outcome = checkCase(c.bytes, c.limits);
      count(tallies[encoding], outcome);
      if (outcome.violation !== null) {
        violations++;
        process.stderr.write(`VIOLATION: ${outcome.violation}\n  ${show(c, index, args.seed)}\n`);
        process.stderr.write(`  replay: node dist/test/fuzz/run.js --seed ${args.seed} --case ${index}\n`);
      }
    }
    if ((i + 1) % step === 0) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(`fuzz: ${Math.round(((i + 1) / args.cases) * 100)}% (${i + 1} cases per decoder, ${seconds} s)\n`);
    }
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  process.stdout.write(`${JSON.stringify({ seed: args.seed, plain: tallies.plain, compressed: tallies.compressed, violations, seconds })}\n`);
  if (violations > 0) {
    process.stderr.write(`fuzz: ${violations} violation(s) with seed ${args.seed}${violations >= MAX_VIOLATIONS ? ' (stopped early)' : ''}\n`);
    process.exitCode = 1;
  }
}

if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  test('fuzz runner', { skip: 'run it with npm run fuzz; the seeded share is in test/wire/total-decoder.test.ts' }, () => {});
} else {
  main();
}
