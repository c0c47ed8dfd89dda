/**
 * The client side of the login protocol, for the `account` commands and the daemon: a secure
 * session to a login server, requests matched to replies by request id, and registration and
 * login with OPAQUE (the password never leaves this process).
 */

import { randomBytes } from 'node:crypto';
import * as opaque from '@serenity-kit/opaque';

import { DH_25519, type KeyPair } from '../crypto/noise/index.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { SessionEndpoint } from '../transport/endpoint.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../wire/index.js';
import type { DeviceKeys, LoginRefusal } from './accounts.js';
import { Devices, ListDevices, LoggedIn, LoginError, LoginFinish, LoginStart, LoginStarted, Registered, RegisterFinish, RegisterStart, RegisterStarted, RevokeDevice } from './protocol.js';

/** How long a request waits for its reply. */
export const LOGIN_REQUEST_TIMEOUT_MS = 10_000;

/** A refusal from the server (or the client's own: a wrong password shows here as LOGIN_FAILED). */
export class LoginClientError extends Error {
  override readonly name = 'LoginClientError';
  constructor(
    readonly code: LoginRefusal | 'TIMEOUT' | 'PROTOCOL',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${message}`);
  }
}

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const s64 = (u: Uint8Array): string => Buffer.from(u).toString('base64url');

/** A session to one login server. */
export class LoginClient {
  private nextRequest = 1;
  private readonly waiting = new Map<number, (m: WireMessage) => void>();

  private constructor(
    private readonly driver: UdpDriver,
    private readonly session: number,
  ) {}

  /** Connects to the login server with static key `serverKey` at host:port. */
  static async connect(serverKey: Uint8Array, host: string, port: number, staticKey: KeyPair = DH_25519.keyPairFrom(new Uint8Array(randomBytes(32)))): Promise<LoginClient> {
    let client: LoginClient | null = null;
    const endpoint = new SessionEndpoint({ staticKey, random: (n) => new Uint8Array(randomBytes(n)) });
    const driver = await UdpDriver.open({
      endpoint,
      host: host.includes(':') ? '::' : '0.0.0.0',
      onEvent: (e) => {
        if (e.type !== 'message' || !client) return;
        const m = decodeMessage(e.payload);
        if (m.ok) client.waiting.get(m.value.requestId)?.(m.value);
      },
    });
    client = new LoginClient(driver, driver.connect(serverKey, host, port));
    return client;
  }

  /** Sends a request and waits for its reply. */
  request(m: Omit<WireMessage, 'requestId'>): Promise<WireMessage> {
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new LoginClientError('TIMEOUT', `no answer from the login server in ${LOGIN_REQUEST_TIMEOUT_MS / 1000} s`));
      }, LOGIN_REQUEST_TIMEOUT_MS);
      this.waiting.set(requestId, (reply) => {
        clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve(reply);
      });
      this.driver.send(this.session, encodeMessage({ ...m, requestId }, { compressed: true }));
    });
  }

  /** The reply as `expected`, or the server's refusal thrown as a LoginClientError. */
  private static expect<T>(reply: WireMessage, parse: (m: WireMessage) => { ok: true; value: T } | { ok: false }): T {
    const e = LoginError.fromMessage(reply);
    if (e.ok) throw new LoginClientError(e.value.code, e.value.reason, e.value.retryAfterMs);
    const r = parse(reply);
    if (!r.ok) throw new LoginClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    return r.value;
  }

  /** Registers `username` with `password`; returns the name as registered. */
  async register(username: string, password: string): Promise<string> {
    await opaque.ready;
    const c = opaque.client.startRegistration({ password });
    const started = LoginClient.expect(await this.request(RegisterStart.toMessage({ username, request: b(c.registrationRequest) })), (m) => RegisterStarted.fromMessage(m));
    const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState: c.clientRegistrationState, registrationResponse: s64(started.response), password });
    return LoginClient.expect(await this.request(RegisterFinish.toMessage({ username, record: b(registrationRecord) })), (m) => Registered.fromMessage(m)).username;
  }

  /** Logs in as `username` and returns the device certificate for `keys`. */
  async login(username: string, password: string, keys: DeviceKeys): Promise<Uint8Array> {
    await opaque.ready;
    const c = opaque.client.startLogin({ password });
    const started = LoginClient.expect(await this.request(LoginStart.toMessage({ username, request: b(c.startLoginRequest) })), (m) => LoginStarted.fromMessage(m));
    const finished = opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: s64(started.response), password });
    if (!finished) throw new LoginClientError('LOGIN_FAILED', 'wrong username or password');
    return LoginClient.expect(await this.request(LoginFinish.toMessage({ proof: b(finished.finishLoginRequest), ...keys })), (m) => LoggedIn.fromMessage(m)).certificate;
  }

  /** This account's devices (after login on this client). */
  async devices(): Promise<{ deviceId: Uint8Array; createdAt: number; revokedAt?: number }[]> {
    return LoginClient.expect(await this.request(ListDevices.toMessage({})), (m) => Devices.fromMessage(m)).devices;
  }

  /** Revokes one of this account's devices (after login on this client); the updated list. */
  async revoke(deviceId: Uint8Array): Promise<{ deviceId: Uint8Array; createdAt: number; revokedAt?: number }[]> {
    return LoginClient.expect(await this.request(RevokeDevice.toMessage({ deviceId })), (m) => Devices.fromMessage(m)).devices;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
