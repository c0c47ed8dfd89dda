/**
 * The login server: the network's login endpoint over secure sessions (UDP here; TCP with the
 * same dispatcher), answering every session message with the LoginDispatcher. Its secrets come
 * from the network directory: the CA key, the Noise static key, and the OPAQUE setup (created,
 * 0600, on first start).
 */

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { signingKeyFromSeed } from '../crypto/ed25519.js';
import { DH_25519 } from '../crypto/noise/index.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { SessionEndpoint } from '../transport/endpoint.js';
import { parseEndpoint } from '../wire/address.js';
import { LoginService, type LoginLimits } from './accounts.js';
import { CA_KEY_FILE, LOGIN_SERVER_KEY_FILE, NETWORK_FILE, readSecretKey, SECRET_FILE_MODE } from './key-files.js';
import { readNetworkFile } from './network-file.js';
import { LoginDispatcher } from './protocol.js';
import type { LoginStore } from './store/login-store.js';

/** The OPAQUE setup's file in a network directory. */
export const OPAQUE_SETUP_FILE = 'opaque-setup.key';

/** A running login server. */
export interface RunningLoginServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** The OPAQUE setup of a network directory, created (0600) if missing. */
export async function opaqueSetupOf(directory: string): Promise<string> {
  const path = join(directory, OPAQUE_SETUP_FILE);
  if (!existsSync(path)) {
    const setup = await LoginService.createOpaqueSetup();
    try {
      writeFileSync(path, `${JSON.stringify({ type: 'parley-opaque-setup', version: 1, secret: setup })}\n`, { mode: SECRET_FILE_MODE, flag: 'wx' });
    } catch {
      // Another server created it at the same moment: use theirs.
    }
  }
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { type?: string; secret?: string };
  if (parsed.type !== 'parley-opaque-setup' || typeof parsed.secret !== 'string') throw new Error(`${path} is not an OPAQUE setup file`);
  return parsed.secret;
}

/** Starts a login server for the network in `directory` on host:port (UDP), with `store`. */
export async function startLoginServer(options: { directory: string; host: string; port: number; store: LoginStore; limits?: Partial<LoginLimits>; onError?: (e: Error) => void }): Promise<RunningLoginServer> {
  const network = readNetworkFile(JSON.parse(readFileSync(join(options.directory, NETWORK_FILE), 'utf8')));
  const ca = signingKeyFromSeed(readSecretKey(join(options.directory, CA_KEY_FILE), 'parley-ca-key'));
  const staticKey = DH_25519.keyPairFrom(readSecretKey(join(options.directory, LOGIN_SERVER_KEY_FILE), 'parley-noise-static'));
  await options.store.migrate();
  const service = new LoginService({ store: options.store, ca, network: network.name, opaqueSetup: await opaqueSetupOf(options.directory), ...(options.limits ? { limits: options.limits } : {}) });
  const dispatcher = new LoginDispatcher(service, options.store, ca, network.name);
  const endpoint = new SessionEndpoint({ staticKey, random: (n) => new Uint8Array(randomBytes(n)) });
  let driver: UdpDriver | null = null;
  driver = await UdpDriver.open({
    endpoint,
    host: options.host,
    port: options.port,
    onEvent: (e) => {
      if (e.type === 'closed') dispatcher.forget(e.session);
      if (e.type !== 'message') return;
      // Rate limits count per source host, not per host and port.
      const host = parseEndpoint(endpoint.addressOf(e.session) ?? '')?.host ?? '';
      dispatcher.handle(e.session, host, e.payload, Date.now()).then(
        (reply) => driver?.send(e.session, reply),
        (err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err))),
      );
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const local = driver.local;
  return {
    host: local.host,
    port: local.port,
    close: async () => {
      await driver?.close();
      await options.store.close();
    },
  };
}
