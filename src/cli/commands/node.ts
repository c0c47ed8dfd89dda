/**
 * `parley node --network FILE [--profile DIR] [--log-level LEVEL]`: the client daemon for one
 * device (issue #6): runs the device (attachment, published presence, contacts' presence, chat
 * with the offline store) on the profile's keys and certificate (from `parley account login`),
 * keeps its host cache and local store in the profile, and prints one JSON line when it runs.
 * SIGINT or SIGTERM stop it cleanly (the device is published offline first). The local API is
 * not built yet.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command } from 'commander';
import { destination, pino } from 'pino';

import { DeviceRuntime } from '../../client/device-runtime.js';
import { ClientStore } from '../../client/store.js';
import { verifyCertificate } from '../../login/certificate.js';
import { CERTIFICATE_FILE, defaultProfileDir, deviceIdentity } from '../../login/profile.js';
import { checkUsername } from '../../login/username.js';
import { loadHostCache, saveHostCache } from '../../overlay/host-cache.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readNetworkOption } from '../network-option.js';
import { commandPath } from '../usage.js';

/** Files the daemon keeps in the profile. */
export const STORE_FILE = 'store.db';
export const HOST_CACHE_FILE = 'hostcache.json';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Adds `node`. */
export function addNodeCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('node')
    .description("run this device's client daemon (presence, contacts, chat) until SIGINT or SIGTERM")
    .option('--network <file>', 'the network.json of the network')
    .option('--profile <dir>', `this device's profile (default ${defaultProfileDir()})`)
    .option('--log-level <level>', `log level on standard error: ${LOG_LEVELS.join(', ')} (default info)`)
    .action(async (opts: { network?: string; profile?: string; logLevel?: string }) => {
      if (!opts.network) throw new CliError('--network is required', EXIT_USAGE, commandPath(cmd));
      const level = opts.logLevel ?? 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new CliError(`--log-level ${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}`, EXIT_USAGE, commandPath(cmd));
      const network = readNetworkOption(opts.network, commandPath(cmd));
      const dir = opts.profile ?? defaultProfileDir();
      const certPath = join(dir, CERTIFICATE_FILE);
      if (!existsSync(certPath)) throw new CliError(`no certificate in ${dir}: log in first (parley account login USER --network ${opts.network} --profile ${dir})`, EXIT_FAILURE);
      const keys = deviceIdentity(dir);
      const certificate = new Uint8Array(readFileSync(certPath));
      const caPublicKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
      const cert = verifyCertificate(certificate, caPublicKey, network.name, Date.now());
      if (!cert.ok) throw new CliError(`the certificate in ${certPath} cannot be used (${cert.reason}): log in again`, EXIT_FAILURE);
      const { username, deviceId, noiseKey } = cert.body;
      if (username === undefined || deviceId === undefined || !Buffer.from(deviceId).equals(keys.deviceId) || !Buffer.from(noiseKey).equals(keys.noise.publicKey)) throw new CliError(`the certificate in ${certPath} is not for this profile's device keys: log in again`, EXIT_FAILURE);
      const name = checkUsername(username);
      if (!name.ok) throw new CliError(`the certificate names an invalid username (${name.reason})`, EXIT_FAILURE);

      const log = pino({ level, base: { role: 'node' } }, destination(2));
      const cachePath = join(dir, HOST_CACHE_FILE);
      const loaded = loadHostCache(cachePath);
      for (const p of loaded.problems) log.warn({ event: 'host-cache' }, p);
      const now = Date.now();
      for (const b of network.bootstrapSupernodes) loaded.cache.add(b.staticKey, b.endpoints, now);
      if (loaded.cache.size === 0) throw new CliError('no supernode to attach to: network.json names no bootstrap supernodes and the host cache is empty', EXIT_FAILURE);
      let store: ClientStore;
      try {
        store = ClientStore.open(join(dir, STORE_FILE));
      } catch (e) {
        throw new CliError(`cannot open the local store: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      const device = await DeviceRuntime.start({
        network,
        identity: { network: network.name, caPublicKey, username, accountKey: name.key, deviceId: keys.deviceId, certificate, signingKey: keys.signing, noiseKey: keys.noise },
        store,
        cache: loaded.cache,
        saveCache: (c) => saveHostCache(cachePath, c),
        onEvent: (e) => log.info({ event: e.type }, `event ${e.type}`),
      });
      io.stdout.write(`${JSON.stringify({ username, deviceId: Buffer.from(keys.deviceId).toString('hex'), attached: device.attached() })}\n`);
      log.info({ event: 'started', username, attached: device.attached().length }, 'node started');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await device.stop();
      saveHostCache(cachePath, loaded.cache);
      store.close();
      log.info({ event: 'stopped' }, 'node stopped');
    });
}
