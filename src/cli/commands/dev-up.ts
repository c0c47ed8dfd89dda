/**
 * `parley dev up [--supernodes N] [--users alice,bob] [--auto-answer USERS] [--dir DIR] [--json]`:
 * a complete local network on loopback, in this one process: a network directory, a login server
 * on SQLite, N supernodes, and for each listed user an account (registered and logged in,
 * password printed) and a running daemon with its local API; the users are made contacts of one
 * another, and the --auto-answer ones answer calls by themselves (echo). Prints how to reach each
 * daemon and each user's web client link (two browser windows: a person calls themself); Ctrl-C
 * (SIGINT) or SIGTERM stops everything cleanly (daemons published offline, supernodes handed over).
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { destination, pino } from 'pino';

import { freePort } from '../../util/free-port.js';
import { startDaemon, type RunningDaemon } from '../../client/daemon.js';
import { signInAtLoginServer } from '../../client/sign-in.js';
import type { SignedInDevice } from '../../client/signed-in-device.js';
import { signingKeyFromSeed } from '../../crypto/ed25519.js';
import { CA_KEY_FILE, NETWORK_FILE, readSecretKey } from '../../login/key-files.js';
import { initNetwork } from '../../login/network-init.js';
import { readNetworkFile } from '../../login/network-file.js';
import { startLoginServer } from '../../login/server.js';
import { SqliteLoginStore } from '../../login/store/sqlite-store.js';
import { issueSupernodeCertificate } from '../../login/supernode-certificate.js';
import { checkUsername } from '../../login/username.js';
import { initSupernodeKey, loadSupernodeIdentity, SUPERNODE_CERT_FILE } from '../../supernode/identity.js';
import { startSupernode, type RunningSupernode } from '../../supernode/runtime.js';
import { CliError } from '../errors.js';
import { logLevelHelp, readLogLevel } from '../log-level.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

/** Supernodes a dev network may have. */
export const DEV_SUPERNODES_MAX = 20;
/** Users a dev network may have. */
export const DEV_USERS_MAX = 10;
const HOST = '127.0.0.1';

const supernodeCount = (v: string): number => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > DEV_SUPERNODES_MAX) throw new InvalidArgumentError(`Expected 1 to ${DEV_SUPERNODES_MAX}.`);
  return n;
};
const userList = (v: string): string[] => {
  const names = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0 || names.length > DEV_USERS_MAX) throw new InvalidArgumentError(`Expected 1 to ${DEV_USERS_MAX} usernames separated by commas.`);
  const keys = new Set<string>();
  for (const n of names) {
    const c = checkUsername(n);
    if (!c.ok) throw new InvalidArgumentError(`${JSON.stringify(n)} is not a username: ${c.reason}`);
    if (keys.has(c.key)) throw new InvalidArgumentError(`${JSON.stringify(n)} is listed twice.`);
    keys.add(c.key);
  }
  return names;
};

/** Adds `dev up`. */
export function addDevCommands(program: Command, io: CliIo): void {
  const dev = program.command('dev').description('local development networks');
  const up = dev
    .command('up')
    .description('run a complete local network on loopback (login server, supernodes, a daemon per user) until Ctrl-C')
    .option('--supernodes <n>', `supernodes (default 3, at most ${DEV_SUPERNODES_MAX})`, supernodeCount)
    .option('--users <names>', 'users, comma-separated, each with an account and a daemon (default alice,bob)', userList)
    .option('--dir <dir>', 'where the network, the supernodes and the profiles go (default: a new directory under the system temp directory)')
    .option('--auto-answer <names>', "users whose daemon answers calls by itself and sends back what it hears (an echo test), comma-separated", userList)
    .option('--log-level <level>', logLevelHelp('warn'))
    .option('--json', 'print one JSON document when everything runs')
    .action(async (opts: { supernodes?: number; users?: string[]; autoAnswer?: string[]; dir?: string; logLevel?: string; json?: boolean }) => {
      const level = readLogLevel(opts.logLevel, 'warn', commandPath(up));
      const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'parley-dev-'));
      if (opts.dir !== undefined && existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`${dir} is not empty: give a new or empty directory`, EXIT_USAGE, commandPath(up));
      mkdirSync(dir, { recursive: true });
      const log = pino({ level, base: { role: 'dev' } }, destination(2));
      const say = (line: string): void => {
        if (opts.json !== true) io.stdout.write(`${line}\n`);
      };
      const stops: (() => Promise<void>)[] = [];
      const stopAll = async (): Promise<void> => {
        for (const s of stops.reverse()) await s().catch((e: unknown) => log.error({ err: e }, 'stop failed'));
      };
      try {
        // The network, with the login server on a free port.
        const netDir = join(dir, 'network');
        const loginPort = await freePort(HOST);
        initNetwork(netDir, 'dev', [`udp:${HOST}:${loginPort}`]);
        const networkPath = join(netDir, NETWORK_FILE);
        let network = readNetworkFile(JSON.parse(readFileSync(networkPath, 'utf8')));
        const caKey = new Uint8Array(Buffer.from(network.ca.publicKey, 'hex'));
        const ca = signingKeyFromSeed(readSecretKey(join(netDir, CA_KEY_FILE), 'parley-ca-key'));

        // Supernodes, each joining through the first; then network.json names them all.
        const count = opts.supernodes ?? 3;
        say(`starting ${count} supernode(s) and the login server in ${dir}`);
        const supernodes: RunningSupernode[] = [];
        const entries: { staticKey: string; endpoints: string[] }[] = [];
        for (let i = 0; i < count; i++) {
          const keyDir = join(dir, 'supernodes', `sn${i}`);
          const { publicKey } = initSupernodeKey(keyDir);
          const port = await freePort(HOST);
          const endpoint = `udp:${HOST}:${port}`;
          writeFileSync(join(keyDir, SUPERNODE_CERT_FILE), issueSupernodeCertificate(ca, { network: network.name, noiseKey: publicKey, endpoints: [endpoint], notBefore: Date.now() }));
          const first = supernodes[0];
          const sn = await startSupernode({ network, identity: loadSupernodeIdentity(keyDir, caKey, network.name, Date.now()), listen: { host: HOST, port }, tcpListen: null, dataDir: keyDir, admin: null, bootstrap: first ? [{ id: first.id, host: HOST, port: first.udp.port }] : [], logger: log.child({ supernode: i }) });
          supernodes.push(sn);
          stops.push(() => sn.stop());
          entries.push({ staticKey: sn.id, endpoints: [endpoint] });
        }
        const raw = JSON.parse(readFileSync(networkPath, 'utf8')) as Record<string, unknown>;
        writeFileSync(networkPath, `${JSON.stringify({ ...raw, bootstrapSupernodes: entries }, null, 2)}\n`);
        network = readNetworkFile(JSON.parse(readFileSync(networkPath, 'utf8')));

        const store = new SqliteLoginStore(join(netDir, 'login.db'));
        const login = await startLoginServer({ directory: netDir, host: HOST, port: loginPort, tcpPort: null, store, openSupernodes: null, onError: (e) => log.error({ err: e }, 'login server') });
        stops.push(() => login.close());

        // Each user: an account, this device logged in, a daemon.
        const users: { username: string; password: string; profile: string; api: string; web: string }[] = [];
        const daemons: SignedInDevice[] = [];
        const names = opts.users ?? ['alice', 'bob'];
        const unknown = (opts.autoAnswer ?? []).filter((u) => !names.includes(u));
        if (unknown.length > 0) throw new Error(`--auto-answer names ${unknown.join(', ')}, not among the users (${names.join(', ')})`);
        for (const username of names) {
          const name = checkUsername(username);
          const profile = join(dir, 'profiles', name.ok ? name.key : username);
          const password = randomBytes(9).toString('base64url');
          say(`registering ${username} and logging in`);
          await signInAtLoginServer(network, profile, username, password, true);
          const autoAnswer = opts.autoAnswer?.includes(username) ? { mode: 'echo' as const } : null;
          const daemon: RunningDaemon = await startDaemon({ network, profileDir: profile, api: { host: HOST, port: 0 }, log: log.child({ user: username }), autoAnswer });
          stops.push(() => daemon.stop());
          const device = daemon.signedIn;
          if (!device) throw new Error(`${username}'s daemon did not sign in: ${JSON.stringify(daemon.account.status())}`);
          daemons.push(device);
          users.push({ username, password, profile, api: daemon.api, web: daemon.web });
        }
        say('making the users contacts of one another');
        await befriend(daemons);
        if (opts.json === true) {
          writeJson(io.stdout, { dir, network: networkPath, loginServer: `udp:${HOST}:${loginPort}`, supernodes: entries, users });
        } else {
          say('');
          say('the network runs:');
          for (const u of users) say(`  ${u.username.padEnd(12)} API ${u.api}   profile ${u.profile}   password ${u.password}`);
          const [a, b] = users;
          if (a && b) say(`try:  parley msg ${b.username} "hello" --profile ${a.profile}    then:  parley history ${a.username} --profile ${b.profile}`);
          if (a && b) say(`      parley call ${b.username} --audio-in speech.wav --audio-out heard.wav --duration 10 --profile ${a.profile}${opts.autoAnswer?.includes(b.username) ? '' : `    (answer: parley answer --profile ${b.profile})`}`);
          say('');
          say(`open the web client of each user${users.length > 1 ? ' (two browser windows: call yourself)' : ''}:`);
          for (const u of users) say(`  ${u.username.padEnd(12)} ${u.web}`);
          say('Ctrl-C stops everything');
        }
      } catch (e) {
        await stopAll();
        throw new CliError(`the dev network did not start: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      say('stopping');
      await stopAll();
      say('stopped');
    });
}

/** How long making the demo users contacts may take. */
const BEFRIEND_TIMEOUT_MS = 15_000;

/** Makes every pair of the users contacts: one asks, the other accepts once the request is there. */
async function befriend(daemons: readonly SignedInDevice[]): Promise<void> {
  for (let i = 0; i < daemons.length; i++) {
    for (let j = i + 1; j < daemons.length; j++) {
      const [a, b] = [daemons[i] as SignedInDevice, daemons[j] as SignedInDevice];
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`${b.username} did not get ${a.username}'s contact request within ${BEFRIEND_TIMEOUT_MS / 1000} s`));
        }, BEFRIEND_TIMEOUT_MS);
        const off = b.api.subscribe((e) => {
          if (e.type === 'contact' && e.contact.username === a.username && e.contact.state === 'pending') {
            clearTimeout(timer);
            off();
            resolve();
          }
        });
      });
      await a.device.engine.requestContact(b.username, 'a demo contact');
      await arrived;
      await b.device.engine.answerContact(a.username, 'accept');
    }
  }
}
