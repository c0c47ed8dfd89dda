/**
 * `parley node --network FILE [--profile DIR] [--api HOST:PORT] [--log-level LEVEL]`: the client
 * daemon for one device (issue #6): runs the device (attachment, published presence, contacts'
 * presence, chat with the offline store) on the profile's keys and certificate (from `parley
 * account login`), keeps its host cache and local store in the profile, serves the local API on
 * a loopback address (its URL in the profile's `api.json`, for the CLI and the SDK), and prints
 * one JSON line when it runs. SIGINT or SIGTERM stop it cleanly (the device is published offline
 * first).
 */

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command } from 'commander';
import { destination, pino } from 'pino';

import { ApiAccess } from '../../api/access.js';
import { buildApi } from '../../api/server.js';
import { deviceApi, EventHub } from '../../client/device-api.js';
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
import { formatEndpoint, parseEndpoint } from '../../wire/address.js';
import { commandPath } from '../usage.js';

/** Files the daemon keeps in the profile. */
export const STORE_FILE = 'store.db';
export const HOST_CACHE_FILE = 'hostcache.json';
/** Where the running daemon's API is (written at start, removed at stop). */
export const API_FILE = 'api.json';
export const DEFAULT_API_LISTEN = '127.0.0.1:0';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Adds `node`. */
export function addNodeCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('node')
    .description("run this device's client daemon (presence, contacts, chat) until SIGINT or SIGTERM")
    .option('--network <file>', 'the network.json of the network')
    .option('--profile <dir>', `this device's profile (default ${defaultProfileDir()})`)
    .option('--api <host:port>', `the local API's address, loopback only (default ${DEFAULT_API_LISTEN}: any free port)`)
    .option('--log-level <level>', `log level on standard error: ${LOG_LEVELS.join(', ')} (default info)`)
    .action(async (opts: { network?: string; profile?: string; api?: string; logLevel?: string }) => {
      if (!opts.network) throw new CliError('--network is required', EXIT_USAGE, commandPath(cmd));
      const apiListen = parseEndpoint(opts.api ?? DEFAULT_API_LISTEN);
      if (!apiListen || !['127.0.0.1', '::1'].includes(apiListen.host)) throw new CliError(`--api ${JSON.stringify(opts.api)} is not a loopback host:port (127.0.0.1 or [::1]): the API is for this machine only`, EXIT_USAGE, commandPath(cmd));
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
      const identity = { network: network.name, caPublicKey, username, accountKey: name.key, deviceId: keys.deviceId, certificate, signingKey: keys.signing, noiseKey: keys.noise };
      const hub = new EventHub();
      const device = await DeviceRuntime.start({
        network,
        identity,
        store,
        cache: loaded.cache,
        saveCache: (c) => saveHostCache(cachePath, c),
        onEvent: (e) => {
          log.debug({ event: e.type }, `event ${e.type}`);
          hub.emit(e);
        },
      });
      const api = await buildApi(deviceApi(device, store, identity, hub), ApiAccess.load(dir));
      try {
        await api.listen({ host: apiListen.host, port: apiListen.port });
      } catch (e) {
        await device.stop();
        store.close();
        throw new CliError(`cannot serve the API on ${formatEndpoint(apiListen.host, apiListen.port)}: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      const bound = api.server.address() as { port: number };
      const url = `http://${formatEndpoint(apiListen.host, bound.port)}`;
      const apiFile = join(dir, API_FILE);
      writeFileSync(apiFile, `${JSON.stringify({ url, pid: process.pid })}\n`);
      io.stdout.write(`${JSON.stringify({ username, deviceId: Buffer.from(keys.deviceId).toString('hex'), attached: device.attached(), api: url })}\n`);
      log.info({ event: 'started', username, attached: device.attached().length }, 'node started');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await api.close();
      rmSync(apiFile, { force: true });
      await device.stop();
      saveHostCache(cachePath, loaded.cache);
      store.close();
      log.info({ event: 'stopped' }, 'node stopped');
    });
}
