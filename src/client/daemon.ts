/**
 * The client daemon of one device (`parley node`, and each user of `parley dev up`): the local API
 * and the web client on a loopback address, whose URL it writes to the profile's `api.json` for the
 * CLI and the SDK (and removes when it stops), and the device signed in with the profile's
 * certificate, or signed out until the user signs in through the web client (daemon-account.ts).
 */

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

import { ApiAccess, API_FILE } from '../api/access.js';
import type { AutoAnswer } from '../call/call-manager.js';
import { buildApi } from '../api/server.js';
import { webClientUrl } from '../api/web-client.js';
import type { NetworkFile } from '../login/network-file.js';
import { formatEndpoint } from '../wire/address.js';
import { DaemonAccount } from './daemon-account.js';
import { EventHub, type ApiEvent } from './device-api.js';
import { DaemonError, type SignedInDevice } from './signed-in-device.js';

export { DaemonError, HOST_CACHE_FILE, STORE_FILE } from './signed-in-device.js';

/** A running daemon. */
export interface RunningDaemon {
  /** The local API's URL. */
  readonly api: string;
  /** The web client's link (with its token). */
  readonly web: string;
  readonly account: DaemonAccount;
  /** The signed-in device, or null while signed out. */
  readonly signedIn: SignedInDevice | null;
  /** Hears every event until the returned function is called. */
  events(listener: (e: ApiEvent) => void): () => void;
  stop(): Promise<void>;
}

/** Starts the daemon of the profile in `profileDir`: signed in when the profile holds a certificate that can be used, else signed out. */
export async function startDaemon(o: { network: NetworkFile; profileDir: string; api: { host: string; port: number }; log: Logger; loginHint?: string; onShutdown?: () => void; peerPort?: number | null; autoAnswer?: AutoAnswer | null; webClientDir?: string }): Promise<RunningDaemon> {
  const { profileDir: dir, log } = o;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hub = new EventHub();
  const account = new DaemonAccount({
    network: o.network,
    profileDir: dir,
    log,
    hub,
    ...(o.loginHint !== undefined ? { loginHint: o.loginHint } : {}),
    ...(o.peerPort !== undefined ? { peerPort: o.peerPort } : {}),
    ...(o.autoAnswer !== undefined ? { autoAnswer: o.autoAnswer } : {}),
    ...(o.onShutdown ? { shutdown: o.onShutdown } : {}),
  });
  await account.resume();
  const access = ApiAccess.load(dir);
  access.renewWebToken();
  const api = await buildApi(account.deviceApi(), access, { account, log, ...(o.webClientDir !== undefined ? { webClientDir: o.webClientDir } : {}) });
  try {
    await api.listen({ host: o.api.host, port: o.api.port });
  } catch (e) {
    await account.stop();
    throw new DaemonError(`cannot serve the API on ${formatEndpoint(o.api.host, o.api.port)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bound = api.server.address() as { port: number };
  const url = `http://${formatEndpoint(o.api.host, bound.port)}`;
  const apiFile = join(dir, API_FILE);
  writeFileSync(apiFile, `${JSON.stringify({ url, pid: process.pid })}\n`);
  log.info({ event: 'started', username: account.current?.username ?? null, api: url }, account.current ? 'node started' : 'node started, signed out');
  let stopped = false;
  return {
    api: url,
    web: webClientUrl(url, access.webToken),
    account,
    get signedIn() {
      return account.current;
    },
    events: (listener) => hub.subscribe(listener),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await api.close();
      rmSync(apiFile, { force: true });
      await account.stop();
      log.info({ event: 'stopped' }, 'node stopped');
    },
  };
}
