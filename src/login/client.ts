/**
 * The client side of the login protocol, for the `account` commands and the daemon: a secure
 * session to a login server, requests matched to replies by request id, and registration and
 * login with OPAQUE (the password never leaves this process).
 */

import * as opaque from '@serenity-kit/opaque';

import { ed25519Sign, type SigningKey } from '../crypto/ed25519.js';
import type { KeyPair } from '../crypto/noise/index.js';
import { SessionClient, SessionClientError } from '../transport/session-client.js';
import type { WireMessage } from '../wire/index.js';
import { renewalMessage, type DeviceKeys, type LoginRefusal } from './accounts.js';
import type { ServerAddress } from './network-file.js';
import { SupernodeIssued, SupernodeRequest, Devices, ListDevices, LoggedIn, LoginError, LoginFinish, LoginStart, LoginStarted, Registered, RegisterFinish, RegisterStart, RegisterStarted, Renew, Renewed, RevokeDevice } from './protocol.js';

/** How long a request waits for its reply. */
export const LOGIN_REQUEST_TIMEOUT_MS = 10_000;
/** How long a UDP endpoint may take to complete the handshake before the next endpoint (TCP) is tried. */
export const LOGIN_UDP_WAIT_MS = 2_000;
/** How long a TCP endpoint may take to connect and complete the handshake. */
export const LOGIN_TCP_WAIT_MS = 10_000;

/** A refusal from the server (or the client's own: a wrong password shows here as LOGIN_FAILED). */
export class LoginClientError extends Error {
  override readonly name = 'LoginClientError';
  constructor(
    readonly code: LoginRefusal | 'TIMEOUT' | 'PROTOCOL' | 'UNREACHABLE',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${message}`);
  }
}

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const s64 = (u: Uint8Array): string => Buffer.from(u).toString('base64url');

/** How connect() tries the endpoints. */
export interface LoginConnectOptions {
  /** This client's static key (a fresh one by default: the login protocol names the user, not the key). */
  readonly staticKey?: KeyPair;
  readonly udpWaitMs?: number;
  readonly tcpWaitMs?: number;
  /**
   * The client's password stretching (argon2id), run only here: the server never sees it. The
   * library's default ("memory-constrained": 64 MiB, about 0.2 s) unless a benchmark, which must
   * load the server rather than this process, lowers it. Login must use what registration used.
   */
  readonly keyStretching?: KeyStretching;
}

/** The password stretching choices of the OPAQUE library. */
export type KeyStretching = NonNullable<Parameters<typeof opaque.client.finishLogin>[0]['keyStretching']>;

/** A session to one login server. */
export class LoginClient {
  private constructor(
    private readonly session: SessionClient,
    private readonly keyStretching: KeyStretching | undefined,
  ) {}

  /** The endpoint the session runs over. */
  get via(): ServerAddress {
    return this.session.via;
  }

  /**
   * Connects to the login server with static key `serverKey`, trying `addresses` in order (UDP
   * endpoints first, then TCP: the fallback where UDP is blocked) until a handshake completes.
   */
  static async connect(serverKey: Uint8Array, addresses: readonly ServerAddress[], options: LoginConnectOptions = {}): Promise<LoginClient> {
    try {
      const session = await SessionClient.connect(serverKey, addresses, {
        what: 'the login server',
        requestTimeoutMs: LOGIN_REQUEST_TIMEOUT_MS,
        udpWaitMs: options.udpWaitMs ?? LOGIN_UDP_WAIT_MS,
        tcpWaitMs: options.tcpWaitMs ?? LOGIN_TCP_WAIT_MS,
        ...(options.staticKey ? { staticKey: options.staticKey } : {}),
      });
      return new LoginClient(session, options.keyStretching);
    } catch (e) {
      throw e instanceof SessionClientError ? new LoginClientError('UNREACHABLE', e.message.replace(/^UNREACHABLE: /, '')) : e;
    }
  }

  /** Sends a request and waits for its reply. */
  async request(m: Omit<WireMessage, 'requestId'>): Promise<WireMessage> {
    try {
      return await this.session.request(m);
    } catch (e) {
      if (e instanceof SessionClientError) throw new LoginClientError(e.code === 'TIMEOUT' ? 'TIMEOUT' : 'PROTOCOL', e.message.replace(/^[A-Z]+: /, ''));
      throw e;
    }
  }

  /** The reply as `expected`, or the server's refusal thrown as a LoginClientError. */
  private static expect<T>(reply: WireMessage, parse: (m: WireMessage) => { ok: true; value: T } | { ok: false }): T {
    const e = LoginError.fromMessage(reply);
    if (e.ok) throw new LoginClientError(e.value.code, e.value.reason, e.value.retryAfterMs);
    const r = parse(reply);
    if (!r.ok) throw new LoginClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    return r.value;
  }

  private stretching(): { keyStretching?: KeyStretching } {
    return this.keyStretching !== undefined ? { keyStretching: this.keyStretching } : {};
  }

  /** Registers `username` with `password`; returns the name as registered. */
  async register(username: string, password: string): Promise<string> {
    await opaque.ready;
    const c = opaque.client.startRegistration({ password });
    const started = LoginClient.expect(await this.request(RegisterStart.toMessage({ username, request: b(c.registrationRequest) })), (m) => RegisterStarted.fromMessage(m));
    const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState: c.clientRegistrationState, registrationResponse: s64(started.response), password, ...this.stretching() });
    return LoginClient.expect(await this.request(RegisterFinish.toMessage({ username, record: b(registrationRecord) })), (m) => Registered.fromMessage(m)).username;
  }

  /** Logs in as `username` and returns the device certificate for `keys`. */
  async login(username: string, password: string, keys: DeviceKeys): Promise<Uint8Array> {
    await opaque.ready;
    const c = opaque.client.startLogin({ password });
    const started = LoginClient.expect(await this.request(LoginStart.toMessage({ username, request: b(c.startLoginRequest) })), (m) => LoginStarted.fromMessage(m));
    const finished = opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: s64(started.response), password, ...this.stretching() });
    if (!finished) throw new LoginClientError('LOGIN_FAILED', 'wrong username or password');
    return LoginClient.expect(await this.request(LoginFinish.toMessage({ proof: b(finished.finishLoginRequest), ...keys })), (m) => LoggedIn.fromMessage(m)).certificate;
  }

  /** A fresh certificate for this device's current (unexpired) one, proved with its signing key: no password. */
  async renew(certificate: Uint8Array, signingKey: SigningKey, now: number): Promise<Uint8Array> {
    const proof = ed25519Sign(signingKey, renewalMessage(certificate, now));
    return LoginClient.expect(await this.request(Renew.toMessage({ certificate, requestedAt: now, proof })), (m) => Renewed.fromMessage(m)).certificate;
  }

  /** This account's devices (after login on this client). */
  async devices(): Promise<{ deviceId: Uint8Array; createdAt: number; revokedAt?: number }[]> {
    return LoginClient.expect(await this.request(ListDevices.toMessage({})), (m) => Devices.fromMessage(m)).devices;
  }

  /** Revokes one of this account's devices (after login on this client); the updated list. */
  async revoke(deviceId: Uint8Array): Promise<{ deviceId: Uint8Array; createdAt: number; revokedAt?: number }[]> {
    return LoginClient.expect(await this.request(RevokeDevice.toMessage({ deviceId })), (m) => Devices.fromMessage(m)).devices;
  }

  /** Open mode: a supernode certificate for this session's key at `endpoints`, once the server has reached it there. */
  async requestSupernodeCertificate(endpoints: readonly string[]): Promise<Uint8Array> {
    return LoginClient.expect(await this.request(SupernodeRequest.toMessage({ endpoints: [...endpoints] })), (m) => SupernodeIssued.fromMessage(m)).certificate;
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
