/**
 * `parley account register|login|devices|revoke USER --network FILE [--profile DIR]
 * [--server HOST:PORT] [--transport udp|tcp] [--password-stdin] [--json]`: an account at the network's login server, through the client
 * library (the password stays in this process: OPAQUE). Login saves the device certificate in
 * the profile; when the profile's daemon runs signed out, the daemon signs in instead (the password
 * goes to it on loopback, and it runs OPAQUE).
 */

import { join } from 'node:path';
import type { Command } from 'commander';

import { ParleyApiError, ParleyClient } from '../../sdk/index.js';
import { LoginClient, LoginClientError } from '../../login/client.js';
import { parseServerEndpoint, type ServerAddress } from '../../login/network-file.js';
import { CERTIFICATE_FILE, defaultProfileDir, deviceIdentity, saveCertificate } from '../../login/profile.js';
import { parseEndpoint } from '../../wire/address.js';
import { CliError } from '../errors.js';
import { readNetworkOption } from '../network-option.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import { readStdinText } from '../input.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

interface AccountOptions {
  network: string;
  profile?: string;
  server?: string;
  passwordStdin?: boolean;
  transport?: string;
  json?: boolean;
}

const TRANSPORTS = ['udp', 'tcp'] as const;

interface LoginServerTarget {
  readonly key: Uint8Array;
  readonly addresses: readonly ServerAddress[];
}

/** The login server's static key and endpoints, from network.json (or --server, on UDP and TCP). */
function loginServer(opts: AccountOptions, cmd: Command): LoginServerTarget {
  const network = readNetworkOption(opts.network, commandPath(cmd));
  const entry = network.loginServers[0];
  if (!entry) throw new CliError('network.json names no login server', EXIT_USAGE, commandPath(cmd));
  let addresses: ServerAddress[];
  if (opts.server !== undefined) {
    const where = parseEndpoint(opts.server);
    if (!where) throw new CliError(`--server ${JSON.stringify(opts.server)} is not host:port`, EXIT_USAGE, commandPath(cmd));
    addresses = TRANSPORTS.map((transport) => ({ transport, ...where }));
  } else {
    addresses = entry.endpoints.map(parseServerEndpoint).filter((a): a is ServerAddress => a !== null);
  }
  if (opts.transport !== undefined) {
    if (!(TRANSPORTS as readonly string[]).includes(opts.transport)) throw new CliError(`--transport ${JSON.stringify(opts.transport)} is not udp or tcp`, EXIT_USAGE, commandPath(cmd));
    addresses = addresses.filter((a) => a.transport === opts.transport);
  }
  if (addresses.length === 0) throw new CliError('no endpoint of the login server to try (network.json, --server, --transport)', EXIT_USAGE, commandPath(cmd));
  return { key: new Uint8Array(Buffer.from(entry.staticKey, 'hex')), addresses };
}

/**
 * The password: the first line of standard input with --password-stdin, else asked on the
 * terminal without echo (twice for a new account, which must match).
 */
async function password(io: CliIo, opts: AccountOptions, cmd: Command, confirm = false): Promise<string> {
  if (opts.passwordStdin === true) {
    const line = (await readStdinText(io)).split(/\r?\n/)[0] ?? '';
    if (line.length === 0) throw new CliError('the password on standard input is empty', EXIT_USAGE, commandPath(cmd));
    return line;
  }
  if (!io.readSecret) throw new CliError('no terminal to ask for the password on: give it on standard input with --password-stdin', EXIT_USAGE, commandPath(cmd));
  const first = await io.readSecret('Password: ');
  if (first.length === 0) throw new CliError('the password is empty', EXIT_USAGE, commandPath(cmd));
  if (confirm && (await io.readSecret('Repeat the password: ')) !== first) throw new CliError('the two passwords differ: nothing was registered', EXIT_USAGE, commandPath(cmd));
  return first;
}

async function withClient<T>(server: LoginServerTarget, run: (c: LoginClient) => Promise<T>): Promise<T> {
  let client: LoginClient;
  try {
    client = await LoginClient.connect(server.key, server.addresses);
  } catch (e) {
    if (e instanceof LoginClientError) throw new CliError(e.message, EXIT_FAILURE);
    throw e;
  }
  try {
    return await run(client);
  } catch (e) {
    if (e instanceof LoginClientError) {
      const after = e.retryAfterMs !== undefined ? ` (try again in ${Math.ceil(e.retryAfterMs / 1000)} s)` : '';
      throw new CliError(`${e.message}${after}`, EXIT_FAILURE);
    }
    throw e;
  } finally {
    await client.close();
  }
}

/** The profile's daemon when one runs and is signed out, else null (none, or not answering). */
async function signedOutDaemon(dir: string): Promise<ParleyClient | null> {
  try {
    const client = ParleyClient.fromProfile(dir);
    return (await client.account()).signedIn ? null : client;
  } catch {
    return null;
  }
}

const common = (c: Command): Command =>
  c
    .argument('<user>', 'the username')
    .requiredOption('--network <file>', 'the network.json of the network')
    .option('--profile <dir>', `this device's profile (default ${defaultProfileDir()})`)
    .option('--server <host:port>', "the login server's address, UDP then TCP (default: network.json's endpoints)")
    .option('--transport <udp|tcp>', 'only this transport (default: UDP, then TCP if UDP gets no answer)')
    .option('--password-stdin', 'read the password from the first line of standard input (default: ask on the terminal)')
    .option('--json', 'print the result as JSON');

/** Adds `account register` and `account login`. */
export function addAccountCommands(program: Command, io: CliIo): void {
  const account = program.command('account').description('register and log in at the login server');
  const register = common(account.command('register').description('create an account (the password never leaves this process: OPAQUE)'));
  register.action(async (user: string, opts: AccountOptions) => {
    const server = loginServer(opts, register);
    const pw = await password(io, opts, register, true);
    const name = await withClient(server, (c) => c.register(user, pw));
    if (opts.json === true) writeJson(io.stdout, { registered: name });
    else io.stdout.write(`registered ${name}\n`);
  });
  const login = common(account.command('login').description("log in and save this device's certificate in the profile"));
  const doLogin = (cmd: Command) => async (user: string, opts: AccountOptions): Promise<void> => {
    const server = loginServer(opts, cmd);
    const pw = await password(io, opts, cmd);
    const dir = opts.profile ?? defaultProfileDir();
    // A daemon of this profile running signed out signs in itself (and starts the device).
    const daemon = await signedOutDaemon(dir);
    if (daemon) {
      let status;
      try {
        status = await daemon.signIn(user, pw);
      } catch (e) {
        if (e instanceof ParleyApiError) throw new CliError(`${e.code}: ${e.message}`, EXIT_FAILURE);
        throw e;
      }
      if (opts.json === true) writeJson(io.stdout, { certificate: join(dir, CERTIFICATE_FILE), deviceId: status.signedIn ? status.deviceId : null, daemon: daemon.url });
      else io.stdout.write(`logged in; the daemon at ${daemon.url} is signed in\n`);
      return;
    }
    const id = deviceIdentity(dir);
    const cert = await withClient(server, (c) => c.login(user, pw, { deviceId: id.deviceId, noiseKey: id.noise.publicKey, signingKey: id.signing.publicKey }));
    const path = saveCertificate(dir, cert);
    if (opts.json === true) writeJson(io.stdout, { certificate: path, deviceId: Buffer.from(id.deviceId).toString('hex') });
    else io.stdout.write(`logged in; certificate saved to ${path}\n`);
  };
  login.action(doLogin(login));
  // `parley login` is the same as `parley account login`.
  const topLogin = common(program.command('login').description("log in and save this device's certificate in the profile (as account login)"));
  topLogin.action(doLogin(topLogin));

  const show = (list: { deviceId: Uint8Array; createdAt: number; revokedAt?: number }[], json: boolean | undefined): void => {
    const rows = list.map((d) => ({ deviceId: Buffer.from(d.deviceId).toString('hex'), added: new Date(d.createdAt).toISOString(), ...(d.revokedAt !== undefined ? { revoked: new Date(d.revokedAt).toISOString() } : {}) }));
    if (json === true) writeJson(io.stdout, { devices: rows });
    else for (const r of rows) io.stdout.write(`${r.deviceId}  added ${r.added}${r.revoked ? `  REVOKED ${r.revoked}` : ''}\n`);
  };
  /** Logs in with this profile's device, then runs `then` on the same session. */
  const loggedIn = async <T>(user: string, opts: AccountOptions, cmd: Command, then: (c: LoginClient) => Promise<T>): Promise<T> => {
    const server = loginServer(opts, cmd);
    const pw = await password(io, opts, cmd);
    const id = deviceIdentity(opts.profile ?? defaultProfileDir());
    return withClient(server, async (c) => {
      await c.login(user, pw, { deviceId: id.deviceId, noiseKey: id.noise.publicKey, signingKey: id.signing.publicKey });
      return then(c);
    });
  };
  const devices = common(account.command('devices').description("list the account's devices (logs in with this profile's device)"));
  devices.action(async (user: string, opts: AccountOptions) => show(await loggedIn(user, opts, devices, (c) => c.devices()), opts.json));
  const revoke = common(account.command('revoke').description('revoke a device: it gets no certificate from now on (logs in with this profile\'s device)'));
  revoke.argument('<device>', 'the device id (32 hex digits, as `account devices` shows)');
  revoke.action(async (user: string, device: string, opts: AccountOptions) => {
    if (!/^[0-9a-fA-F]{32}$/.test(device)) throw new CliError(`${JSON.stringify(device)} is not a device id (32 hex digits)`, EXIT_USAGE, commandPath(revoke));
    show(await loggedIn(user, opts, revoke, (c) => c.revoke(new Uint8Array(Buffer.from(device, 'hex')))), opts.json);
  });
}
