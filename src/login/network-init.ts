/** Creating a network directory: the CA, the login server's Noise key and network.json. */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { signingKeyFromSeed } from '../crypto/ed25519.js';
import { DH_25519 } from '../crypto/noise/index.js';
import { CA_KEY_FILE, LOGIN_SERVER_KEY_FILE, NETWORK_FILE, writeSecretKey } from './key-files.js';
import { type NetworkFile, readNetworkFile } from './network-file.js';

/** Where a new network's login server answers by default: this machine, UDP and TCP. */
export const DEFAULT_LOGIN_ENDPOINTS = ['udp:127.0.0.1:33033', 'tcp:127.0.0.1:33033'] as const;

/** What was created (public parts only: secrets are never returned or printed). */
export interface InitializedNetwork {
  readonly directory: string;
  readonly networkFile: string;
  readonly network: NetworkFile;
}

/** Why a network could not be created. */
export class NetworkInitError extends Error {
  override readonly name = 'NetworkInitError';
  readonly code = 'NETWORK_EXISTS';
}

/** Creates the network in `directory`; refuses if it already holds any of the files. */
export function initNetwork(directory: string, name: string, loginEndpoints: readonly string[] = DEFAULT_LOGIN_ENDPOINTS): InitializedNetwork {
  const paths = [CA_KEY_FILE, LOGIN_SERVER_KEY_FILE, NETWORK_FILE].map((f) => join(directory, f));
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0) throw new NetworkInitError(`${existing.join(', ')} already exist: refusing to overwrite a network`);
  const caSeed = new Uint8Array(randomBytes(32));
  const loginSecret = new Uint8Array(randomBytes(32));
  const ca = signingKeyFromSeed(caSeed);
  const login = DH_25519.keyPairFrom(loginSecret);
  // Validates name and endpoints before anything is written.
  const network = readNetworkFile({
    version: 1,
    name,
    ca: { publicKey: Buffer.from(ca.publicKey).toString('hex') },
    loginServers: [{ endpoints: [...loginEndpoints], staticKey: Buffer.from(login.publicKey).toString('hex') }],
    bootstrapSupernodes: [],
  });
  mkdirSync(directory, { recursive: true });
  writeSecretKey(paths[0] as string, 'parley-ca-key', caSeed);
  writeSecretKey(paths[1] as string, 'parley-noise-static', loginSecret);
  writeFileSync(paths[2] as string, `${JSON.stringify(network, null, 2)}\n`, { flag: 'wx' });
  return { directory, networkFile: paths[2] as string, network };
}
