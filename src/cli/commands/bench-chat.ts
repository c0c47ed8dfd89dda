/**
 * `parley bench chat [--json]`: presence and message latency and a message burst between two
 * devices on three supernode processes (bench/chat-bench.ts, loaded as bench-module.ts explains).
 */

import type { Command } from 'commander';

import { loadBenchFunction } from '../bench-module.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
// Type only (erased when compiled): the CLI does not depend on bench/ at run time.
import type { ChatBenchReport } from '../../../bench/chat-bench.js';

/** dist/bench/chat-bench.js, seen from this file at dist/src/cli/commands/. */
export const CHAT_BENCH_URL = new URL('../../../bench/chat-bench.js', import.meta.url);

type RunChatBench = (opts: { onProgress?: (line: string) => void }) => Promise<ChatBenchReport>;

/** Adds `chat` under `bench`. */
export function addBenchChatCommand(bench: Command, io: CliIo, moduleUrl: URL = CHAT_BENCH_URL): void {
  bench
    .command('chat')
    .description('measure chat: presence and message latency, and a burst, between two devices on three supernode processes')
    .option('--json', 'print the report as one JSON document (progress goes to stderr)')
    .action(async (opts: { json?: boolean }) => {
      const run = await loadBenchFunction<RunChatBench>(moduleUrl, 'runChatBench', 'chat benchmark');
      const progressTo = opts.json === true ? io.stderr : io.stdout;
      let r: ChatBenchReport;
      try {
        r = await run({ onProgress: (t) => progressTo.write(`${t}\n`) });
      } catch (e) {
        throw new CliError(`chat benchmark failed: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      if (opts.json === true) {
        writeJson(io.stdout, r);
        return;
      }
      io.stdout.write(
        [
          `presence change seen by the contact: p50 ${r.presence.p50Ms} ms, max ${r.presence.maxMs} ms over ${r.presence.changes} changes (target <= ${r.presence.targetMs})`,
          `message send -> received: p50 ${r.message.p50Ms} ms, p99 ${r.message.p99Ms} ms; -> delivered p50 ${r.message.deliveredP50Ms} ms (${r.message.messages} messages)`,
          `burst: ${r.burst.messages} messages in ${r.burst.seconds} s, ${r.burst.perSecond}/s`,
        ].join('\n') + '\n',
      );
    });
}
