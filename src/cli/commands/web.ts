/**
 * `parley web [--profile DIR] [--json]`: the link that opens the profile's running daemon's web
 * client in a browser, signed in to its API (the web token rides in the link's fragment). The
 * daemon must be running (`parley node`); the link works until the daemon restarts (a new token).
 */

import type { Command } from 'commander';

import { ApiAccess } from '../../api/access.js';
import { ParleyApiError, ParleyClient } from '../../sdk/index.js';
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
    let url: string;
    try {
      ({ url } = ParleyClient.fromProfile(dir));
    } catch (e) {
      if (e instanceof ParleyApiError) throw new CliError(e.message, EXIT_FAILURE);
      throw e;
    }
    const token = ApiAccess.webToken(dir);
    if (token === null) throw new CliError(`${dir} has no usable api-access.json: restart its daemon`, EXIT_FAILURE);
    const link = webClientUrl(url, token);
    out(opts, { url: link }, link);
  });
}
