/**
 * `parley web [--profile DIR] [--json]`: the link that opens the profile's running daemon's web
 * client in a browser, signed in to its API (the web token rides in the link's fragment). The
 * daemon must be running (`parley node`); the link works until the profile's access file changes.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

import { ApiAccess, API_FILE } from '../../api/access.js';
import { webClientUrl } from '../../api/web-client.js';
import { defaultProfileDir } from '../../login/profile.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { printer, withProfile, type Common } from './chat.js';

/** Adds `web`. */
export function addWebCommand(program: Command, io: CliIo): void {
  const out = printer(io);
  withProfile(program.command('web').description("print the link to the running daemon's web client (open it in a browser)")).action((opts: Common) => {
    const dir = opts.profile ?? defaultProfileDir();
    const apiPath = join(dir, API_FILE);
    if (!existsSync(apiPath)) throw new CliError(`no daemon is running for ${dir} (start it: parley node --network FILE --profile ${dir})`, EXIT_FAILURE);
    const { url } = JSON.parse(readFileSync(apiPath, 'utf8')) as { url?: unknown };
    const token = ApiAccess.webToken(dir);
    if (typeof url !== 'string' || token === null) throw new CliError(`${dir} has no usable api.json or api-access.json: restart its daemon`, EXIT_FAILURE);
    const link = webClientUrl(url, token);
    out(opts, { url: link }, link);
  });
}
