/**
 * Loads a benchmark runner from dist/bench/ with a dynamic import, so that the CLI builds and runs
 * without it: bench/ is a development tree, not part of the published package.
 */

import { fileURLToPath } from 'node:url';

import { CliError } from './errors.js';
import { EXIT_FAILURE } from './exit-codes.js';

/** The function `name` exported by the module at `moduleUrl`, or a one-line CLI error. */
export async function loadBenchFunction<F>(moduleUrl: URL, name: string, what: string): Promise<F> {
  const where = moduleUrl.protocol === 'file:' ? fileURLToPath(moduleUrl) : moduleUrl.href;
  let mod: unknown;
  try {
    mod = await import(moduleUrl.href);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CliError(`cannot load the ${what} ${where} (run npm run build first): ${why}`, EXIT_FAILURE);
  }
  const f = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)[name] : undefined;
  if (typeof f !== 'function') throw new CliError(`the ${what} ${where} exports no ${name} function`, EXIT_FAILURE);
  return f as F;
}
