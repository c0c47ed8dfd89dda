/** The package version, for `parley --version`. */

import { readFileSync } from 'node:fs';

/** package.json, from dist/src/cli/version.js (and, in a published package, from the same depth). */
const PACKAGE_JSON_URL = new URL('../../../package.json', import.meta.url);

/** The `version` field of Parley's package.json. */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(PACKAGE_JSON_URL, 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>)['version'] : undefined;
  if (typeof version !== 'string') throw new Error(`no version string in ${PACKAGE_JSON_URL.pathname}`);
  return version;
}
