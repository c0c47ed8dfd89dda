/**
 * The codec benchmark behind `parley bench codec`: sizes and speeds of Parley's encodings and of
 * the competitor formats over the committed corpus (bench/corpus/corpus.jsonl).
 *
 * Every format is first checked, untimed, to round-trip every message; then encode and decode are
 * each timed by looping over the whole corpus for a time budget after a warm-up (the fastest of
 * five runs counts). Importing this
 * module has no side effects; the CLI dynamic-imports it and calls `runCodecBench`.
 */

import { readFileSync } from 'node:fs';
import { messageFromJson, type WireMessage } from '../src/wire/index.js';
import { buildDictionary, type Codec, type FormatName, FORMAT_NAMES, isFormatName, makeCodec, PARLEY_WIRE, type WireFunctions } from './codecs/index.js';
import { generateCorpus, TRAINING_CORPUS_SIZE, TRAINING_SEED, TUNING_SEED } from './corpus/generate.js';
import { defaultCorpusPath } from './paths.js';

/** Time budget per format and direction, seconds. */
export const DEFAULT_SECONDS = 0.5;
/** Warm-up before each timed measurement, as a share of its budget (at least one pass over the corpus). */
const WARM_UP_SHARE = 0.2;
/** Shortest warm-up, seconds: enough for the JIT to compile the hot paths even with tiny budgets. */
const WARM_UP_MIN_SECONDS = 0.05;
/** Timed runs per measurement at most; the fastest counts. */
const TIMED_SAMPLES = 5;
/** Largest accepted budget per format and direction, seconds (the CLI allows up to an hour). */
const SECONDS_MAX = 3600;

/** Options of `runCodecBench`. */
export interface CodecBenchOptions {
  /** Time budget per format and direction, seconds (default 0.5). */
  readonly seconds?: number;
  /** JSON-lines corpus (default: the committed bench/corpus/corpus.jsonl). */
  readonly corpusPath?: string;
  /** Formats to run (default: all, in FORMAT_NAMES order). */
  readonly formats?: readonly string[];
  /** Called with one human-readable line per step. */
  readonly onProgress?: (line: string) => void;
  /**
   * Where the deflate dictionary is learnt: 'training' (default) is TRAINING_CORPUS_SIZE messages
   * of the same generator with TRAINING_SEED (its parameters tuned on TUNING_SEED), disjoint from
   * the measured corpus, the same training set as the compressed coder's priors; 'corpus' learns it from the measured corpus itself,
   * which memorises the certificates and keys that recur in it (an unfair upper bound for deflate).
   */
  readonly dictionaryFrom?: 'training' | 'corpus';
  /** Wire functions for the Parley-based formats (default: `parley/wire`). */
  readonly wire?: WireFunctions;
}

/** Results of one format. */
export interface FormatResult {
  /** Sum of the encoded sizes of all corpus messages, bytes. */
  readonly totalBytes: number;
  /** Median encoded size, bytes. */
  readonly medianBytes: number;
  /** Messages encoded per second. */
  readonly encodePerSec: number;
  /** Messages decoded per second. */
  readonly decodePerSec: number;
}

/** What `runCodecBench` reports. */
export interface CodecBenchReport {
  readonly corpus: { readonly path: string; readonly messages: number };
  readonly formats: Record<string, FormatResult>;
  /** The targets; NaN (null in JSON) when a format they need was not run. */
  readonly targets: {
    /** Parley compressed total bytes / the smallest total of the other formats (target <= 0.8). */
    readonly compressedVsSmallestOther: number;
    /** Which format that smallest other is. */
    readonly smallestOther: string;
    /** Parley compressed decode/s / deflate-raw-dict decode/s (target >= 1). */
    readonly compressedDecodeVsDeflateDict: number;
  };
  /** How the deflate dictionary was made, when that format ran. */
  readonly deflateDictionary?: { readonly source: string; readonly bytes: number };
  /** Node.js version. */
  readonly node: string;
}

/** Runs the codec benchmark. Throws if a format fails to round-trip any message. */
export async function runCodecBench(opts: CodecBenchOptions = {}): Promise<CodecBenchReport> {
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  if (!(seconds > 0 && seconds <= SECONDS_MAX)) throw new RangeError(`seconds must be in (0, ${SECONDS_MAX}]`);
  const progress = opts.onProgress ?? (() => undefined);
  const formats = selectFormats(opts.formats);
  const corpusPath = opts.corpusPath ?? defaultCorpusPath();
  const corpus = loadCorpus(corpusPath);
  progress(`corpus ${corpusPath}: ${corpus.length} messages`);

  const wire = opts.wire ?? PARLEY_WIRE;
  let dictionaryInfo: { source: string; bytes: number } | undefined;
  const deflateDictionary = (): Uint8Array => {
    const fromCorpus = opts.dictionaryFrom === 'corpus';
    const samples = (fromCorpus ? corpus : generateCorpus(TRAINING_SEED, TRAINING_CORPUS_SIZE)).map((m) => wire.encodeMessage(m));
    const tuningSamples = (fromCorpus ? corpus : generateCorpus(TUNING_SEED)).map((m) => wire.encodeMessage(m));
    const dictionary = buildDictionary(samples, { tuningSamples });
    dictionaryInfo = {
      source: fromCorpus ? 'measured corpus' : `training corpus (${samples.length} messages of seed ${TRAINING_SEED}, tuned on seed ${TUNING_SEED})`,
      bytes: dictionary.length,
    };
    progress(`deflate dictionary: ${dictionary.length} bytes from the ${dictionaryInfo.source}`);
    return dictionary;
  };

  const results: Record<string, FormatResult> = {};
  for (const name of formats) {
    const codec = makeCodec(name, { deflateDictionary, wire });
    const encoded = checkRoundTrip(codec, corpus);
    const sizes = encoded.map((b) => b.length);
    const prepared = corpus.map((m) => codec.prepare(m));
    const encodePerSec = await throughput(corpus.length, seconds, (i) => codec.encodeValue(prepared[i]).length);
    const decodePerSec = await throughput(corpus.length, seconds, (i) => codec.decode(encoded[i] as Uint8Array));
    const result: FormatResult = { totalBytes: sum(sizes), medianBytes: median(sizes), encodePerSec, decodePerSec };
    results[name] = result;
    progress(formatLine(name, result));
  }
  return {
    corpus: { path: corpusPath, messages: corpus.length },
    formats: results,
    targets: targets(results),
    ...(dictionaryInfo ? { deflateDictionary: dictionaryInfo } : {}),
    node: process.version,
  };
}

/** Reads a JSON-lines corpus; throws naming the first bad line. */
export function loadCorpus(path: string): WireMessage[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: WireMessage[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = messageFromJson(JSON.parse(line) as unknown);
    if (!parsed.ok) throw new Error(`${path}:${i + 1}: ${parsed.error.message}`);
    out.push(parsed.value);
  });
  if (out.length === 0) throw new Error(`${path}: no messages`);
  return out;
}

function selectFormats(requested: readonly string[] | undefined): FormatName[] {
  if (requested === undefined) return [...FORMAT_NAMES];
  const unknown = requested.filter((f) => !isFormatName(f));
  if (unknown.length > 0) throw new Error(`unknown format ${unknown.join(', ')} (formats: ${FORMAT_NAMES.join(', ')})`);
  return FORMAT_NAMES.filter((f) => requested.includes(f));
}

/** Encodes and decodes every message once, untimed; throws at the first one that does not come back equal. */
function checkRoundTrip(codec: Codec, corpus: readonly WireMessage[]): Uint8Array[] {
  return corpus.map((m, i) => {
    // A copy: some encoders hand out views of a buffer they reuse.
    const bytes = Uint8Array.from(codec.encode(m));
    const diff = codec.check(m, codec.decode(bytes));
    if (diff !== null) throw new Error(`${codec.name}: message ${i} (command ${m.command}) does not round-trip: ${diff}`);
    return bytes;
  });
}

/** Keeps results alive so the optimiser cannot drop the work being timed. */
let sink: unknown;

/**
 * Operations per second of `op` over indexes 0..n-1: after a warm-up, up to TIMED_SAMPLES runs of
 * whole passes over the corpus share the budget; the fastest run counts (other processes only ever
 * slow a run down, so the fastest is the least disturbed).
 */
async function throughput(n: number, seconds: number, op: (i: number) => unknown): Promise<number> {
  const pass = (): void => {
    for (let i = 0; i < n; i++) sink = op(i);
  };
  const runFor = (ns: bigint): { passes: number; elapsedNs: bigint } => {
    let passes = 0;
    const start = process.hrtime.bigint();
    let elapsedNs: bigint;
    do {
      pass();
      passes++;
      elapsedNs = process.hrtime.bigint() - start;
    } while (elapsedNs < ns);
    return { passes, elapsedNs };
  };
  const budgetNs = seconds * 1e9;
  const warmUp = runFor(BigInt(Math.round(Math.max(budgetNs * WARM_UP_SHARE, WARM_UP_MIN_SECONDS * 1e9))));
  // Slow formats (a pass longer than a run's share) get fewer runs, so the budget still holds.
  const passNs = Number(warmUp.elapsedNs) / warmUp.passes;
  const runs = Math.max(1, Math.min(TIMED_SAMPLES, Math.floor(budgetNs / passNs)));
  let best = 0;
  for (let r = 0; r < runs; r++) {
    // Let timers and I/O (the CLI's progress output) run between measurements.
    await new Promise((resolve) => setImmediate(resolve));
    const { passes, elapsedNs } = runFor(BigInt(Math.round(budgetNs / runs)));
    best = Math.max(best, (passes * n) / (Number(elapsedNs) / 1e9));
  }
  void sink;
  return best;
}

function targets(results: Record<string, FormatResult>): CodecBenchReport['targets'] {
  const compressed = results['parley-compressed'];
  let smallestOther = '';
  let smallestBytes = Infinity;
  for (const [name, r] of Object.entries(results)) {
    if (name !== 'parley-compressed' && r.totalBytes < smallestBytes) {
      smallestOther = name;
      smallestBytes = r.totalBytes;
    }
  }
  const deflate = results['deflate-raw-dict'];
  return {
    compressedVsSmallestOther: compressed && smallestOther !== '' ? compressed.totalBytes / smallestBytes : NaN,
    smallestOther,
    compressedDecodeVsDeflateDict: compressed && deflate ? compressed.decodePerSec / deflate.decodePerSec : NaN,
  };
}

function formatLine(name: string, r: FormatResult): string {
  return `${name.padEnd(18)} total ${String(r.totalBytes).padStart(8)} B  median ${String(r.medianBytes).padStart(6)} B  encode ${rate(r.encodePerSec)}/s  decode ${rate(r.decodePerSec)}/s`;
}

function rate(perSec: number): string {
  return perSec >= 1e6 ? `${(perSec / 1e6).toFixed(2)}M` : `${(perSec / 1e3).toFixed(1)}k`;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
