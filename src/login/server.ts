/**
 * The login server: the network's login endpoint over secure sessions (UDP, and TCP for networks
 * that block UDP), answering every session message with the LoginDispatcher. Its secrets come
 * from the network directory: the CA key, the Noise static key, and the OPAQUE setup (created,
 * 0600, on first start).
 */

import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { signingKeyFromSeed } from '../crypto/ed25519.js';
import { DH_25519 } from '../crypto/noise/index.js';
import { TcpDriver, tcpLabelHost } from '../transport/drivers/tcp.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { SessionEndpoint, type SessionEvent } from '../transport/endpoint.js';
import { parseEndpoint } from '../wire/address.js';
import { LoginService, type LoginLimits } from './accounts.js';
import { CA_KEY_FILE, LOGIN_SERVER_KEY_FILE, NETWORK_FILE, readSecretKey, SECRET_FILE_MODE } from './key-files.js';
import { readNetworkFile } from './network-file.js';
import { LoginDispatcher, type OpenSupernodes } from './protocol.js';
import { probeViaAny, type Prober } from './prober.js';
import type { LoginStore } from './store/login-store.js';

/** The OPAQUE setup's file in a network directory. */
export const OPAQUE_SETUP_FILE = 'opaque-setup.key';

/** A running login server. */
export interface RunningLoginServer {
  readonly host: string;
  /** The UDP port. */
  readonly port: number;
  /** The TCP port (the UDP port unless told otherwise), or null without TCP. */
  readonly tcpPort: number | null;
  close(): Promise<void>;
}

/** Tries at binding UDP and TCP to one system-chosen port number before giving up. */
const SHARED_PORT_ATTEMPTS = 20;

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

/** How a login server starts. */
export interface LoginServerOptions {
  /** The network directory (network.json, ca.key, login-server.key). */
  readonly directory: string;
  readonly host: string;
  /** The UDP port; 0: the system chooses. */
  readonly port: number;
  /** The TCP port: the UDP port's number by default (also when chosen by the system); null: no TCP. */
  readonly tcpPort?: number | null | undefined;
  readonly store: LoginStore;
  readonly limits?: Partial<LoginLimits>;
  readonly onError?: (e: Error) => void;
  /** Open mode: certify supernodes that prove a reachable address (null or absent: managed mode only). */
  readonly openSupernodes?: OpenSupernodes | null;
  /** Open mode: supernodes on other hosts that probe for this server (replacing `openSupernodes.probe`). */
  readonly probers?: readonly Prober[];
}

/**
 * Starts a login server for the network in `options.directory`: one dispatcher answering over UDP
 * and over TCP (the fallback for networks that block UDP), each transport with its own endpoint
 * (same static key) and session keys prefixed with the transport's name.
 */
export async function startLoginServer(options: LoginServerOptions): Promise<RunningLoginServer> {
  const network = readNetworkFile(JSON.parse(readFileSync(join(options.directory, NETWORK_FILE), 'utf8')));
  const ca = signingKeyFromSeed(readSecretKey(join(options.directory, CA_KEY_FILE), 'parley-ca-key'));
  const staticKey = DH_25519.keyPairFrom(readSecretKey(join(options.directory, LOGIN_SERVER_KEY_FILE), 'parley-noise-static'));
  await options.store.migrate();
  const service = new LoginService({ store: options.store, ca, network: network.name, opaqueSetup: await opaqueSetupOf(options.directory), ...(options.limits ? { limits: options.limits } : {}) });
  const probers = options.probers ?? [];
  const open = options.openSupernodes && probers.length > 0 ? { ...options.openSupernodes, probe: (key: Uint8Array, endpoints: readonly string[]) => probeViaAny(probers, staticKey, key, endpoints, (n) => randomInt(n)) } : (options.openSupernodes ?? null);
  const dispatcher = new LoginDispatcher(service, options.store, ca, network.name, open);
  const newEndpoint = (): SessionEndpoint => new SessionEndpoint({ staticKey, random: (n) => new Uint8Array(randomBytes(n)) });
  const onError = options.onError;

  /** Events of one transport's endpoint: requests answered on the session they came on. */
  const peerKeys = new Map<string, Uint8Array>();
  const serve = (transport: 'udp' | 'tcp', endpoint: SessionEndpoint, send: (session: number, reply: Uint8Array) => void, hostOf: (address: string) => string) => (e: SessionEvent) => {
    if (e.type === 'established') peerKeys.set(`${transport}:${e.session}`, e.remoteStatic);
    if (e.type === 'closed') {
      dispatcher.forget(`${transport}:${e.session}`);
      peerKeys.delete(`${transport}:${e.session}`);
    }
    if (e.type !== 'message') return;
    // Rate limits count per source host, not per host and port (or connection).
    const host = hostOf(endpoint.addressOf(e.session) ?? '');
    dispatcher.handle(`${transport}:${e.session}`, host, e.payload, Date.now(), peerKeys.get(`${transport}:${e.session}`)).then(
      (reply) => send(e.session, reply),
      (err: unknown) => onError?.(err instanceof Error ? err : new Error(String(err))),
    );
  };

  const openUdp = (port: number): Promise<UdpDriver> => {
    const endpoint = newEndpoint();
    let driver: UdpDriver | null = null;
    return UdpDriver.open({
      endpoint,
      host: options.host,
      port,
      onEvent: serve('udp', endpoint, (s, r) => driver?.send(s, r), (a) => parseEndpoint(a)?.host ?? ''),
      ...(onError ? { onError } : {}),
    }).then((d) => (driver = d));
  };
  const openTcp = async (port: number): Promise<TcpDriver> => {
    const endpoint = newEndpoint();
    const driver: TcpDriver = new TcpDriver({
      endpoint,
      staticPublicKey: staticKey.publicKey,
      onEvent: serve('tcp', endpoint, (s, r) => driver.send(s, r), (a) => tcpLabelHost(a) ?? ''),
      ...(onError ? { onError } : {}),
    });
    await driver.listen(options.host, port);
    return driver;
  };

  let udp: UdpDriver | null = null;
  let tcp: TcpDriver | null = null;
  try {
    for (let attempt = 1; ; attempt++) {
      udp = await openUdp(options.port);
      if (options.tcpPort === null) break;
      try {
        tcp = await openTcp(options.tcpPort ?? udp.local.port);
        break;
      } catch (e) {
        // A system-chosen UDP port whose number is taken on TCP: choose again.
        const taken = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && options.port === 0 && options.tcpPort === undefined;
        await udp.close();
        udp = null;
        if (!taken || attempt >= SHARED_PORT_ATTEMPTS) throw e;
      }
    }
  } catch (e) {
    await options.store.close();
    throw e;
  }
  const local = udp.local;
  const tcpDriver = tcp;
  const udpDriver = udp;
  return {
    host: local.host,
    port: local.port,
    tcpPort: tcpDriver ? (tcpDriver.local?.port ?? null) : null,
    close: async () => {
      await udpDriver.close();
      await tcpDriver?.close();
      await options.store.close();
    },
  };
}
