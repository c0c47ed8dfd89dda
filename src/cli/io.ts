/** The streams a CLI run talks to: the process's own, or buffers in tests. */

/** Something text can be written to (`process.stdout`, or a test's collector). */
export interface TextSink {
  write(text: string): unknown;
}

/** The streams of one CLI run. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Standard input, for commands that read `-`; absent when there is none. */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
  /** Asks for a secret without echo; present only when there is a terminal to ask on. */
  readonly readSecret?: (prompt: string) => Promise<string>;
}

/** Writes one `--json` document: a single line, so that output can be piped to jq or split by line. */
export function writeJson(sink: TextSink, value: unknown): void {
  sink.write(`${JSON.stringify(value)}\n`);
}
