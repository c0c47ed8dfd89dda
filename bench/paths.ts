/**
 * Paths of the bench's committed files. Code here runs compiled from dist/bench/, so files are
 * found from the repository root (the nearest folder up with package.json), not from the module.
 */

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Most folders walked up looking for the repository root. */
const ROOT_SEARCH_DEPTH_MAX = 8;

/** The repository root: the nearest ancestor of this module holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < ROOT_SEARCH_DEPTH_MAX; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
}

/** The committed benchmark corpus (one JSON message per line). */
export function defaultCorpusPath(): string {
  return join(repoRoot(), 'bench', 'corpus', 'corpus.jsonl');
}

/** The protobuf schema of the corpus messages. */
export function protoPath(): string {
  return join(repoRoot(), 'bench', 'corpus', 'parley.proto');
}
