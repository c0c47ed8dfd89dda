/**
 * Fills in the `compressed` hex of wire-vectors.json from the current implementation. Re-run it
 * whenever the compressed model or its trained priors change, and review the diff:
 *
 *   npx tsc -p . && node dist/test/wire/vectors/regenerate.js [--plain]
 *
 * The `plain` hex is written by hand from the format definition and left alone; `--plain`
 * overwrites it from the encoder too — only for a deliberate change of the plain format.
 *
 * Node 20's test runner executes every .js file under a `test` directory: under the runner this
 * registers one skipped test instead of writing the file.
 */

import { writeFileSync } from 'node:fs';
import { test } from 'node:test';

import { messageFromJson, toHex } from '../../../src/wire/json.js';
import { encodeMessage } from '../../../src/wire/message.js';
import { formatVectors, readVectors, type Vector, VECTOR_FILE } from './vector-file.js';

function regenerate(withPlain: boolean): void {
  const file = readVectors();
  let changed = 0;
  const vectors = file.vectors.map((v): Vector => {
    const parsed = messageFromJson(v.message);
    if (!parsed.ok) throw new Error(`vector ${v.name}: ${parsed.error.message}`);
    const compressed = toHex(encodeMessage(parsed.value, { compressed: true }));
    const plain = withPlain ? toHex(encodeMessage(parsed.value)) : v.plain;
    if (compressed !== v.compressed || plain !== v.plain) {
      changed++;
      process.stderr.write(`changed: ${v.name}\n`);
    }
    return { ...v, plain, compressed };
  });
  writeFileSync(VECTOR_FILE, formatVectors({ ...file, vectors }));
  process.stderr.write(`${changed} of ${vectors.length} vectors changed (${withPlain ? 'plain and compressed' : 'compressed only'})\n`);
}

if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  test('vector regeneration', { skip: 'a manual script: node dist/test/wire/vectors/regenerate.js' }, () => {});
} else {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--plain');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')}; usage: regenerate.js [--plain]`);
  regenerate(args.includes('--plain'));
}
