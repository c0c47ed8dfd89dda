/**
 * `parley bench codec [--json] [--seconds S]`: run the codec benchmark (bench/codec-bench.ts,
 * compiled to dist/bench/codec-bench.js) and print its report.
 *
 * The benchmark is loaded with a dynamic import (bench-module.ts).
 */

import { type Command, InvalidArgumentError } from 'commander';

import { loadBenchFunction } from '../bench-module.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';

/** dist/bench/codec-bench.js, seen from this file at dist/src/cli/commands/bench-codec.js. */
export const CODEC_BENCH_URL = new URL('../../../bench/codec-bench.js', import.meta.url);

/** Longest run `--seconds` accepts: one hour. */
export const BENCH_SECONDS_MAX = 3600;

/** Options of `runCodecBench`. */
export interface CodecBenchOptions {
  seconds?: number;
  corpusPath?: string;
  formats?: string[];
  onProgress?: (line: string) => void;
}

/** The figures of one format. */
export interface CodecBenchFormat {
  totalBytes: number;
  medianBytes: number;
  encodePerSec: number;
  decodePerSec: number;
}

/** What `runCodecBench` resolves to. */
export interface CodecBenchReport {
  corpus: { path: string; messages: number };
  formats: Record<string, CodecBenchFormat>;
  targets: { compressedVsSmallestOther: number; smallestOther: string; compressedDecodeVsDeflateDict: number };
  node: string;
}

type RunCodecBench = (opts: CodecBenchOptions) => Promise<CodecBenchReport>;

/** Parses `--seconds`: a number above 0, at most BENCH_SECONDS_MAX. */
export function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > BENCH_SECONDS_MAX) {
    throw new InvalidArgumentError(`Expected a number of seconds above 0 and at most ${BENCH_SECONDS_MAX}.`);
  }
  return seconds;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The report as a table and two target lines. */
export function formatCodecBenchReport(report: CodecBenchReport): string {
  const header = ['format', 'total bytes', 'median bytes', 'encode/s', 'decode/s'];
  const rows = Object.entries(report.formats).map(([name, f]) => [
    name,
    count(f.totalBytes),
    count(f.medianBytes),
    count(f.encodePerSec),
    count(f.decodePerSec),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const t = report.targets;
  return [
    `corpus: ${report.corpus.path} (${report.corpus.messages} messages), node ${report.node}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `compressed vs smallest other (${t.smallestOther}), total bytes: ${t.compressedVsSmallestOther.toFixed(3)}`,
    `compressed vs deflate-dict, decode speed: ${t.compressedDecodeVsDeflateDict.toFixed(3)}`,
  ].join('\n');
}

/** Adds `codec` under `bench`; `moduleUrl` is where the benchmark runner is loaded from. */
export function addBenchCodecCommand(bench: Command, io: CliIo, moduleUrl: URL = CODEC_BENCH_URL): void {
  bench
    .command('codec')
    .description('measure the wire codec against other formats: size, encode and decode speed')
    .option('--json', 'print the report as one JSON document (progress goes to stderr)')
    .option('--seconds <s>', 'how long to measure, in seconds (default: the benchmark\'s own)', parseSeconds)
    .action(async (opts: { json?: boolean; seconds?: number }) => {
      const runCodecBench = await loadBenchFunction<RunCodecBench>(moduleUrl, 'runCodecBench', 'codec benchmark');
      const progressTo = opts.json === true ? io.stderr : io.stdout;
      const options: CodecBenchOptions = { onProgress: (text) => progressTo.write(`${text}\n`) };
      if (opts.seconds !== undefined) options.seconds = opts.seconds;
      let report: CodecBenchReport;
      try {
        report = await runCodecBench(options);
      } catch (e) {
        throw new CliError(`codec benchmark failed: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      if (opts.json === true) writeJson(io.stdout, report);
      else io.stdout.write(`${formatCodecBenchReport(report)}\n`);
    });
}
