/**
 * The client daemon of one device (`parley node`, and each user of `parley dev up`): the device
 * runtime on the profile's keys and certificate, its local store and host cache in the profile,
 * the local API on a loopback address, whose URL it writes to the profile's `api.json` for the
 * CLI and the SDK (and removes when it stops), and the certificate renewed at half its life.
 */

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

import { ApiAccess, API_FILE } from '../api/access.js';
import type { AutoAnswer } from '../call/call-manager.js';
import { buildApi } from '../api/server.js';
import { verifyCertificate } from '../login/certificate.js';
import type { NetworkFile } from '../login/network-file.js';
import { CERTIFICATE_FILE, deviceIdentity } from '../login/profile.js';
import { checkUsername } from '../login/username.js';
import { loadHostCache, saveHostCache } from '../overlay/host-cache.js';
import { formatEndpoint } from '../wire/address.js';
import { deviceApi, EventHub } from './device-api.js';
import { DeviceRuntime, type DeviceEvent } from './device-runtime.js';
import { CertificateRenewer } from './renewal.js';
import { ClientStore } from './store.js';

/** Files the daemon keeps in the profile. */
export const STORE_FILE = 'store.db';
export const HOST_CACHE_FILE = 'hostcache.json';

/** The daemon cannot start; the message says why and what to do. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
}

/** A running daemon. */
export interface RunningDaemon {
  readonly username: string;
  readonly deviceId: string;
  readonly api: string;
  readonly device: DeviceRuntime;
  /** Hears the device's events until the returned function is called. */
  events(listener: (e: DeviceEvent) => void): () => void;
  stop(): Promise<void>;
}

/** Starts the daemon of the profile in `profileDir`. */
export async function startDaemon(o: { network: NetworkFile; profileDir: string; api: { host: string; port: number }; log: Logger; loginHint?: string; onShutdown?: () => void; peerPort?: number | null; autoAnswer?: AutoAnswer | null }): Promise<RunningDaemon> {
  const { network, profileDir: dir, log } = o;
  const certPath = join(dir, CERTIFICATE_FILE);
  if (!existsSync(certPath)) throw new DaemonError(`no certificate in ${dir}: log in first (${o.loginHint ?? `parley account login USER --network network.json --profile ${dir}`})`);
  const keys = deviceIdentity(dir);
  const certificate = new Uint8Array(readFileSync(certPath));
  const caPublicKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
  const cert = verifyCertificate(certificate, caPublicKey, network.name, Date.now());
  if (!cert.ok) throw new DaemonError(`the certificate in ${certPath} cannot be used (${cert.reason}): log in again`);
  const { username, deviceId, noiseKey } = cert.body;
  if (username === undefined || deviceId === undefined || !Buffer.from(deviceId).equals(keys.deviceId) || !Buffer.from(noiseKey).equals(keys.noise.publicKey)) throw new DaemonError(`the certificate in ${certPath} is not for this profile's device keys: log in again`);
  const name = checkUsername(username);
  if (!name.ok) throw new DaemonError(`the certificate names an invalid username (${name.reason})`);

  const cachePath = join(dir, HOST_CACHE_FILE);
  const loaded = loadHostCache(cachePath);
  for (const p of loaded.problems) log.warn({ event: 'host-cache' }, p);
  const now = Date.now();
  for (const b of network.bootstrapSupernodes) loaded.cache.add(b.staticKey, b.endpoints, now);
  if (loaded.cache.size === 0) throw new DaemonError('no supernode to attach to: network.json names no bootstrap supernodes and the host cache is empty');
  let store: ClientStore;
  try {
    store = ClientStore.open(join(dir, STORE_FILE));
  } catch (e) {
    throw new DaemonError(`cannot open the local store: ${e instanceof Error ? e.message : String(e)}`);
  }
  const identity = { network: network.name, caPublicKey, username, accountKey: name.key, deviceId: keys.deviceId, certificate, signingKey: keys.signing, noiseKey: keys.noise };
  const hub = new EventHub();
  const device = await DeviceRuntime.start({
    network,
    identity,
    store,
    cache: loaded.cache,
    saveCache: (c) => saveHostCache(cachePath, c),
    ...(o.peerPort !== undefined ? { peerPort: o.peerPort } : {}),
    ...(o.autoAnswer ? { autoAnswer: o.autoAnswer } : {}),
    onEvent: (e) => {
      log.debug({ event: e.type }, `event ${e.type}`);
      hub.emit(e);
    },
  });
  const api = await buildApi(deviceApi(device, store, identity, hub, o.onShutdown), ApiAccess.load(dir));
  try {
    await api.listen({ host: o.api.host, port: o.api.port });
  } catch (e) {
    await device.stop();
    store.close();
    throw new DaemonError(`cannot serve the API on ${formatEndpoint(o.api.host, o.api.port)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bound = api.server.address() as { port: number };
  const url = `http://${formatEndpoint(o.api.host, bound.port)}`;
  const apiFile = join(dir, API_FILE);
  writeFileSync(apiFile, `${JSON.stringify({ url, pid: process.pid })}\n`);
  const renewer = new CertificateRenewer({
    network,
    profileDir: dir,
    signingKey: keys.signing,
    certificate,
    onRenewed: (c) => {
      device.setCertificate(c);
      log.info({ event: 'certificate-renewed' }, 'certificate renewed');
    },
    onError: (e) => log.warn({ event: 'certificate-renewal-failed', err: e instanceof Error ? e.message : String(e) }, 'certificate renewal failed; trying again later'),
  });
  log.info({ event: 'started', username, attached: device.attached().length, api: url }, 'node started');
  let stopped = false;
  return {
    username,
    deviceId: Buffer.from(keys.deviceId).toString('hex'),
    api: url,
    device,
    events: (listener) => hub.subscribe(listener),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      renewer.stop();
      await api.close();
      rmSync(apiFile, { force: true });
      await device.stop();
      saveHostCache(cachePath, loaded.cache);
      store.close();
      log.info({ event: 'stopped' }, 'node stopped');
    },
  };
}
