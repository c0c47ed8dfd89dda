/**
 * `parley node --network FILE [--profile DIR] [--api HOST:PORT] [--peer-port PORT|off] [--auto-answer
 * echo|silence|FILE.wav] [--log-level LEVEL]`: the client daemon for one device (issue #6): runs the device (attachment, published
 * presence, contacts' presence, chat on direct sessions and through supernodes, the offline store) on the profile's keys and certificate (from `parley
 * account login`), keeps its host cache and local store in the profile, serves the local API on
 * a loopback address (its URL in the profile's `api.json`, for the CLI and the SDK), and prints
 * one JSON line when it runs (with `web`, the web client's link). Without a certificate it runs
 * signed out, serving the web client, where the user signs up or in. SIGINT or SIGTERM stop it
 * cleanly (the device is published offline first).
 */

import { resolve } from 'node:path';
import { type Command } from 'commander';
import { destination, pino } from 'pino';

import type { AutoAnswer } from '../../call/call-manager.js';
import { readWav48k } from '../../call/wav.js';
import { DaemonError, startDaemon } from '../../client/daemon.js';
import { defaultProfileDir } from '../../login/profile.js';
import { CliError } from '../errors.js';
import { logLevelHelp, readLogLevel } from '../log-level.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readNetworkOption } from '../network-option.js';
import { parseEndpoint } from '../../wire/address.js';
import { commandPath } from '../usage.js';

export const DEFAULT_API_LISTEN = '127.0.0.1:0';

/** Adds `node`. */
export function addNodeCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('node')
    .description("run this device's client daemon (presence, contacts, chat) until SIGINT or SIGTERM")
    .option('--network <file>', 'the network.json of the network')
    .option('--profile <dir>', `this device's profile (default ${defaultProfileDir()})`)
    .option('--api <host:port>', `the local API's address, loopback only (default ${DEFAULT_API_LISTEN}: any free port)`)
    .option('--peer-port <port>', "UDP port of direct sessions with other devices (default 0: any free port; 'off': none, sessions through supernodes' relays only)")
    .option('--auto-answer <audio>', "answer every call at once (bots and tests), sending 'echo' (what it hears), 'silence', or a WAV file")
    .option('--log-level <level>', logLevelHelp('info'))
    .action(async (opts: { network?: string; profile?: string; api?: string; peerPort?: string; autoAnswer?: string; logLevel?: string }) => {
      if (!opts.network) throw new CliError('--network is required', EXIT_USAGE, commandPath(cmd));
      const apiListen = parseEndpoint(opts.api ?? DEFAULT_API_LISTEN);
      if (!apiListen || !['127.0.0.1', '::1'].includes(apiListen.host)) throw new CliError(`--api ${JSON.stringify(opts.api)} is not a loopback host:port (127.0.0.1 or [::1]): the API is for this machine only`, EXIT_USAGE, commandPath(cmd));
      const peerPort = opts.peerPort === undefined ? 0 : opts.peerPort === 'off' ? null : /^\d{1,5}$/.test(opts.peerPort) && Number(opts.peerPort) <= 0xffff ? Number(opts.peerPort) : null;
      if (peerPort === null && opts.peerPort !== 'off' && opts.peerPort !== undefined) throw new CliError(`--peer-port ${JSON.stringify(opts.peerPort)} is not a port (0-65535) or 'off'`, EXIT_USAGE, commandPath(cmd));
      const autoAnswer = opts.autoAnswer === undefined ? null : parseAutoAnswer(opts.autoAnswer, commandPath(cmd));
      const level = readLogLevel(opts.logLevel, 'info', commandPath(cmd));
      const network = readNetworkOption(opts.network, commandPath(cmd));
      const log = pino({ level, base: { role: 'node' } }, destination(2));
      let daemon;
      let shutdown: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        shutdown = resolve;
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      try {
        daemon = await startDaemon({ network, profileDir: opts.profile ?? defaultProfileDir(), api: apiListen, log, loginHint: `parley login USER --network ${opts.network} --profile ${opts.profile ?? defaultProfileDir()}`, onShutdown: () => shutdown(), peerPort, autoAnswer });
      } catch (e) {
        if (e instanceof DaemonError) throw new CliError(e.message, EXIT_FAILURE);
        throw e;
      }
      const device = daemon.signedIn;
      const st = daemon.account.status();
      const ready = device ? { signedIn: true, username: device.username, deviceId: device.deviceId, attached: device.device.attached() } : { signedIn: false, problem: st.signedIn ? null : st.problem };
      io.stdout.write(`${JSON.stringify({ ...ready, api: daemon.api, web: daemon.web })}\n`);
      await stopped;
      await daemon.stop();
    });
}

/** --auto-answer: echo, silence, or a WAV file that can be read (checked now, not at the first call). */
export function parseAutoAnswer(v: string, command: string): AutoAnswer {
  if (v === 'echo' || v === 'silence') return { mode: v };
  try {
    readWav48k(v);
  } catch (e) {
    throw new CliError(`--auto-answer ${JSON.stringify(v)} is not 'echo', 'silence' or a WAV file that can be read (${e instanceof Error ? e.message : String(e)})`, EXIT_USAGE, command);
  }
  return { mode: 'file', path: resolve(v) };
}
