/**
 * The benchmark corpus generator: `generateCorpus(seed, count)` runs a simulated network and
 * returns its signalling messages in a seeded shuffle. The same seed gives identical messages; a
 * different seed gives fresh keys, ids, names, addresses, times and texts from the same
 * distributions (the compressed coder's priors are trained on another seed than the one measured).
 *
 * Run as a script (`node dist/bench/corpus/generate.js [--seed N] [--count N] [--out FILE]`) it
 * writes bench/corpus/corpus.jsonl, one `messageToJson` form per line, and prints a summary.
 */

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageToJson, type WireMessage } from '../../src/wire/index.js';
import { defaultCorpusPath } from '../paths.js';
import { commandSpec } from './messages.js';
import { Network } from './network.js';
import { Prng } from '../../src/util/prng.js';
import { Scenarios } from './scenarios.js';

/** The seed of the committed corpus. */
export const CORPUS_SEED = 1;
/** A seed for training data (dictionaries, model priors), disjoint from the measured corpus. */
export const TRAINING_SEED = 2;
/** Messages of TRAINING_SEED that trained models and dictionaries learn from. */
export const TRAINING_CORPUS_SIZE = 20_000;
/** A seed for tuning the parameters of what is trained (held out from both). */
export const TUNING_SEED = 3;

/** Messages per kind in a corpus of DEFAULT_CORPUS_SIZE; other sizes scale these shares. */
export const MIX = {
  certificate: 50,
  directoryPublish: 60,
  lookup: 60,
  lookupReply: 60,
  callInvite: 50,
  chatShort: 80,
  chatLong: 80,
  relayAllocate: 30,
  relayAllocated: 30,
  presence: 80,
  ack: 20,
  keepalive: 10,
  typing: 10,
} as const;

/** A message kind of the mix. */
export type Kind = keyof typeof MIX;

/** Messages in a corpus by default: the sum of MIX. */
export const DEFAULT_CORPUS_SIZE = Object.values(MIX).reduce((a, b) => a + b, 0);
/** Largest corpus the generator makes (bounds memory and signing time). */
export const CORPUS_SIZE_MAX = 1_000_000;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Corpus time starts somewhere in November 2026 (UTC). */
const NOVEMBER_2026_MS = Date.UTC(2026, 10, 1);

/** A deterministic corpus of `count` signalling messages for `seed`. */
export function generateCorpus(seed: number, count: number = DEFAULT_CORPUS_SIZE): WireMessage[] {
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be a safe integer');
  if (!Number.isInteger(count) || count < 1 || count > CORPUS_SIZE_MAX) throw new RangeError(`count must be 1..${CORPUS_SIZE_MAX}`);
  const prng = new Prng(seed);
  const startMs = NOVEMBER_2026_MS + prng.int(0, 27) * DAY_MS + prng.int(0, DAY_MS - 1);
  const net = new Network(prng, startMs);
  const scenarios = new Scenarios(prng, net, startMs);
  const counts = scaledMix(count);
  const messages: WireMessage[] = [];
  for (const event of prng.shuffle(plan(counts))) {
    scenarios.tick();
    messages.push(...run(scenarios, event));
  }
  return prng.shuffle(messages);
}

/** Events of the simulation: single messages, and request/response exchanges (whole or half). */
type Event =
  | { readonly kind: Exclude<Kind, 'lookup' | 'lookupReply' | 'relayAllocate' | 'relayAllocated'> }
  | { readonly kind: 'lookupExchange' | 'relayExchange'; readonly request: boolean; readonly response: boolean };

function plan(counts: Record<Kind, number>): Event[] {
  const events: Event[] = [];
  const exchanges = (kind: 'lookupExchange' | 'relayExchange', requests: number, responses: number): void => {
    const pairs = Math.min(requests, responses);
    for (let i = 0; i < pairs; i++) events.push({ kind, request: true, response: true });
    for (let i = pairs; i < requests; i++) events.push({ kind, request: true, response: false });
    for (let i = pairs; i < responses; i++) events.push({ kind, request: false, response: true });
  };
  exchanges('lookupExchange', counts.lookup, counts.lookupReply);
  exchanges('relayExchange', counts.relayAllocate, counts.relayAllocated);
  for (const kind of Object.keys(counts) as Kind[]) {
    if (kind === 'lookup' || kind === 'lookupReply' || kind === 'relayAllocate' || kind === 'relayAllocated') continue;
    for (let i = 0; i < counts[kind]; i++) events.push({ kind });
  }
  return events;
}

function run(s: Scenarios, event: Event): WireMessage[] {
  switch (event.kind) {
    case 'lookupExchange':
      return s.lookupExchange(event.request, event.response);
    case 'relayExchange':
      return s.relayExchange(event.request, event.response);
    case 'certificate':
      return [s.certificateIssued()];
    case 'directoryPublish':
      return [s.directoryPublish()];
    case 'callInvite':
      return [s.callInvite()];
    case 'chatShort':
      return [s.chatMessage(false)];
    case 'chatLong':
      return [s.chatMessage(true)];
    case 'presence':
      return [s.presenceUpdate()];
    case 'ack':
      return [s.ack()];
    case 'keepalive':
      return [s.keepalive()];
    case 'typing':
      return [s.typing()];
  }
}

/** MIX scaled to `count` messages by largest remainders, so the counts add up exactly. */
export function scaledMix(count: number): Record<Kind, number> {
  const kinds = Object.keys(MIX) as Kind[];
  const exact = kinds.map((k) => (MIX[k] * count) / DEFAULT_CORPUS_SIZE);
  const counts = exact.map(Math.floor);
  let missing = count - counts.reduce((a, b) => a + b, 0);
  const byRemainder = kinds.map((_, i) => i).sort((a, b) => (exact[b] ?? 0) - (counts[b] ?? 0) - ((exact[a] ?? 0) - (counts[a] ?? 0)) || a - b);
  for (const i of byRemainder) {
    if (missing <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    missing--;
  }
  return Object.fromEntries(kinds.map((k, i) => [k, counts[i] ?? 0])) as Record<Kind, number>;
}

/** Counts and sizes of a corpus of `count` messages, for the script's summary and the README. */
export function summarize(messages: readonly WireMessage[], count: number = messages.length): string {
  const perCommand = new Map<string, number>();
  let chatAscii = 0;
  let jsonBytes = 0;
  let textBytes = 0;
  for (const m of messages) {
    const key = commandSpec(m.command)?.key ?? `command ${m.command}`;
    perCommand.set(key, (perCommand.get(key) ?? 0) + 1);
    jsonBytes += Buffer.byteLength(JSON.stringify(messageToJson(m)), 'utf8') + 1;
    const text = key === 'chat_message' ? m.objects.find((o) => o.id === 6) : undefined;
    if (text?.type === 'string') {
      textBytes += Buffer.byteLength(text.value, 'utf8');
      if (/^[\x20-\x7e\n]*$/.test(text.value)) chatAscii++;
    }
  }
  const mix = scaledMix(count);
  const lines = [...perCommand].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${k.padEnd(24)} ${n}`);
  lines.push(`  chat texts: ${mix.chatShort} short, ${mix.chatLong} long, ${chatAscii} plain ASCII, ${textBytes} bytes of UTF-8`);
  lines.push(`  ${messages.length} messages, ${jsonBytes} bytes of JSON lines`);
  return lines.join('\n');
}

function main(argv: readonly string[]): void {
  let seed = CORPUS_SEED;
  let count = DEFAULT_CORPUS_SIZE;
  let out = defaultCorpusPath();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag ?? ''} needs a value`);
    if (flag === '--seed') seed = Number(value);
    else if (flag === '--count') count = Number(value);
    else if (flag === '--out') out = resolve(value);
    else throw new Error(`unknown option ${flag ?? ''} (use --seed N, --count N, --out FILE)`);
  }
  const messages = generateCorpus(seed, count);
  writeFileSync(out, messages.map((m) => JSON.stringify(messageToJson(m)) + '\n').join(''));
  process.stdout.write(`wrote ${out} (seed ${seed})\n${summarize(messages, count)}\n`);
}

// Only when run directly: importing this module (the bench, tests) has no side effects.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
