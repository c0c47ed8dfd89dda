/**
 * A signed-in device in the daemon: the device runtime on the profile's keys and certificate, its
 * local store and host cache in the profile, the certificate renewed at half its life, and the
 * API's view of it. The daemon (daemon.ts) starts one when it has a certificate and stops it when
 * the user signs out.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

import type { DeviceApi } from '../api/server.js';
import type { AutoAnswer } from '../call/call-manager.js';
import { verifyCertificate } from '../login/certificate.js';
import type { NetworkFile } from '../login/network-file.js';
import { CERTIFICATE_FILE, deviceIdentity } from '../login/profile.js';
import { checkUsername } from '../login/username.js';
import { loadHostCache, saveHostCache } from '../overlay/host-cache.js';
import { deviceApi, type EventHub } from './device-api.js';
import { DeviceRuntime } from './device-runtime.js';
import { CertificateRenewer } from './renewal.js';
import { ClientStore } from './store.js';

/** Files the daemon keeps in the profile. */
export const STORE_FILE = 'store.db';
export const HOST_CACHE_FILE = 'hostcache.json';
/** The store's setting naming the account whose messages it holds (one account per profile). */
export const STORE_ACCOUNT_SETTING = 'account';

/** The device cannot start; the message says why and what to do. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
}

/** A running, signed-in device. */
export interface SignedInDevice {
  readonly username: string;
  readonly accountKey: string;
  readonly deviceId: string;
  readonly device: DeviceRuntime;
  readonly api: DeviceApi;
  /** Publishes the device offline, waits for work under way, closes the store. */
  stop(): Promise<void>;
}

export interface DeviceStartOptions {
  readonly network: NetworkFile;
  readonly profileDir: string;
  readonly log: Logger;
  readonly hub: EventHub;
  readonly loginHint?: string;
  readonly peerPort?: number | null;
  readonly autoAnswer?: AutoAnswer | null;
  /** Stops the whole daemon (parley logout); absent where it is not stopped through its API. */
  readonly shutdown?: () => void;
}

/** The account (its key) whose messages the profile's store holds, or null for a new profile. */
export function storeAccount(profileDir: string): string | null {
  const path = join(profileDir, STORE_FILE);
  if (!existsSync(path)) return null;
  const store = ClientStore.open(path);
  try {
    return store.setting(STORE_ACCOUNT_SETTING);
  } finally {
    store.close();
  }
}

/** Starts the device of the profile in `o.profileDir`, which must hold a certificate for its keys. */
export async function startDevice(o: DeviceStartOptions): Promise<SignedInDevice> {
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
  const owner = store.setting(STORE_ACCOUNT_SETTING);
  if (owner !== null && owner !== name.key) {
    store.close();
    throw new DaemonError(`the store in ${dir} holds another account's messages: use another profile for ${username}`);
  }
  if (owner === null) store.setSetting(STORE_ACCOUNT_SETTING, name.key);
  const identity = { network: network.name, caPublicKey, username, accountKey: name.key, deviceId: keys.deviceId, certificate, signingKey: keys.signing, noiseKey: keys.noise };
  let device: DeviceRuntime;
  try {
    device = await DeviceRuntime.start({
      network,
      identity,
      store,
      cache: loaded.cache,
      saveCache: (c) => saveHostCache(cachePath, c),
      ...(o.peerPort !== undefined ? { peerPort: o.peerPort } : {}),
      ...(o.autoAnswer ? { autoAnswer: o.autoAnswer } : {}),
      onEvent: (e) => {
        log.debug({ event: e.type }, `event ${e.type}`);
        o.hub.emit(e);
      },
    });
  } catch (e) {
    store.close();
    throw e;
  }
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
  log.info({ event: 'signed-in', username, attached: device.attached().length }, 'device started');
  let stopped = false;
  return {
    username,
    accountKey: name.key,
    deviceId: Buffer.from(keys.deviceId).toString('hex'),
    device,
    api: deviceApi(device, store, identity, o.hub, o.shutdown),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      renewer.stop();
      await device.stop();
      saveHostCache(cachePath, loaded.cache);
      store.close();
      log.info({ event: 'device-stopped' }, 'device stopped');
    },
  };
}
