/**
 * `parley bench codec`: loading the runner, the table and the JSON report, progress on the right
 * stream, and one-line failures. Uses stand-in runner modules written to a temporary directory.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { linesOf, runParley, runParleyInProcess } from './parley-process.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-bench-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a stand-in runner module and returns its URL. */
function runnerModule(name: string, source: string): URL {
  const path = join(dir, name);
  writeFileSync(path, source);
  return pathToFileURL(path);
}

/** A stand-in that reports progress and echoes the seconds it was given as the corpus path. */
const FAKE = runnerModule(
  'fake.mjs',
  `export async function runCodecBench(opts) {
    opts.onProgress?.('measuring fake formats');
    return {
      corpus: { path: 'seconds=' + String(opts.seconds), messages: 3 },
      formats: {
        compressed: { totalBytes: 1000, medianBytes: 30, encodePerSec: 1234567.4, decodePerSec: 2000000 },
        msgpack: { totalBytes: 2500, medianBytes: 80, encodePerSec: 3000000, decodePerSec: 4000000 },
      },
      targets: { compressedVsSmallestOther: 0.4, smallestOther: 'msgpack', compressedDecodeVsDeflateDict: 3.25 },
      node: 'v0-test',
    };
  }`,
);

describe('bench codec with a stand-in runner', () => {
  test('--json prints exactly the report on stdout; progress goes to stderr', async () => {
    const r = await runParleyInProcess(['bench', 'codec', '--json', '--seconds', '0.5'], { codecBenchUrl: FAKE });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { corpus: { path: string }; formats: Record<string, unknown> };
    assert.equal(report.corpus.path, 'seconds=0.5');
    assert.deepEqual(Object.keys(report.formats), ['compressed', 'msgpack']);
    assert.equal(r.stderr, 'measuring fake formats\n');
  });

  test('without --seconds the runner gets no seconds', async () => {
    const r = await runParleyInProcess(['bench', 'codec', '--json'], { codecBenchUrl: FAKE });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { corpus: { path: string } }).corpus.path, 'seconds=undefined');
  });

  test('without --json prints progress, then a table', async () => {
    const r = await runParleyInProcess(['bench', 'codec'], { codecBenchUrl: FAKE });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = linesOf(r.stdout);
    assert.equal(lines[0], 'measuring fake formats');
    assert.match(r.stdout, /^format\s+total bytes\s+median bytes\s+encode\/s\s+decode\/s$/m);
    assert.match(r.stdout, /^compressed\s+1,000\s+30\s+1,234,567\s+2,000,000$/m);
    assert.match(r.stdout, /^msgpack\s+2,500\s+80\s+3,000,000\s+4,000,000$/m);
    assert.match(r.stdout, /smallest other \(msgpack\).*0\.400/);
    assert.match(r.stdout, /deflate-dict.*3\.250/);
  });
});

describe('bench codec failures: one line, exit 1', () => {
  const cases: readonly (readonly [string, URL, RegExp])[] = [
    ['a runner that is not there', pathToFileURL(join(dir, 'missing.js')), /^parley: cannot load the codec benchmark /],
    ['a module without runCodecBench', runnerModule('empty.mjs', 'export const x = 1;\n'), /exports no runCodecBench function/],
    [
      'a runner that fails',
      runnerModule('fails.mjs', "export async function runCodecBench() { throw new Error('corpus\\nmissing'); }\n"),
      /^parley: codec benchmark failed: corpus missing$/,
    ],
  ];
  for (const [what, url, expected] of cases) {
    test(what, async () => {
      const r = await runParleyInProcess(['bench', 'codec', '--json'], { codecBenchUrl: url });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      const lines = linesOf(r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', expected);
    });
  }
});

const REAL_RUNNER = new URL('../../bench/codec-bench.js', import.meta.url);

test(
  'the real benchmark, briefly, through the built binary',
  { skip: !existsSync(REAL_RUNNER) && 'dist/bench/codec-bench.js is not built', timeout: 300_000 },
  async () => {
    const r = await runParley(['bench', 'codec', '--json', '--seconds', '0.05']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { corpus: { messages: number }; formats: Record<string, { totalBytes: number }> };
    assert.ok(report.corpus.messages > 0);
    assert.ok(Object.keys(report.formats).length > 1);
    for (const f of Object.values(report.formats)) assert.ok(f.totalBytes > 0);
  },
);
