/**
 * Accounts: registration and login with OPAQUE (RFC 9807, `@serenity-kit/opaque`), so the server
 * never receives the password or anything it could test one against outside OPAQUE; device
 * certificates issued at login; revocation; rate limits. Transport-free: the login server's
 * protocol calls these with the client's OPAQUE messages, and the daemon's CLI will too.
 *
 * The server cannot see a wrong password (the client just cannot finish), so every started login
 * counts as a failure, of the account and of the source address, until it finishes; a finished
 * login clears its account's count and takes back its own address failure (so many people behind
 * one address can keep logging in). Rows older than any limit looks at are pruned. Unknown
 * users get OPAQUE's fake response, and the same store writes, so they look like wrong passwords.
 */

import * as opaque from '@serenity-kit/opaque';

import { ed25519Verify, type SigningKey } from '../crypto/ed25519.js';
import { DEVICE_CERTIFICATE_VALIDITY_MS, issueCertificate, verifyCertificate } from './certificate.js';
import type { LoginStore } from './store/login-store.js';
import { KeyedLock } from '../util/keyed-lock.js';
import { checkUsername } from './username.js';

/** Named, configurable abuse limits (issue #4). */
export interface LoginLimits {
  /** Failed logins of one account within failureWindowMs before it is held back. */
  readonly failedLoginsPerAccount: number;
  /** Failed logins from one address within failureWindowMs before it is held back (higher: many users share an address). */
  readonly failedLoginsPerAddress: number;
  readonly failureWindowMs: number;
  /** The hold after the limit; doubles with each further failure, up to backoffMaxMs. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly registrationsPerAddressPerHour: number;
  readonly certificateValidityMs: number;
}

/** The defaults. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = Object.freeze({
  failedLoginsPerAccount: 10,
  failedLoginsPerAddress: 100,
  failureWindowMs: 15 * 60 * 1000,
  backoffBaseMs: 60 * 1000,
  backoffMaxMs: 60 * 60 * 1000,
  registrationsPerAddressPerHour: 20,
  certificateValidityMs: DEVICE_CERTIFICATE_VALIDITY_MS,
});

const HOUR_MS = 60 * 60 * 1000;
/** How often old rate-limit rows are pruned (at most; on the next registration or login). */
export const RATE_LIMIT_PRUNE_INTERVAL_MS = 60 * 1000;

/** A started login, as loginFinish needs it back. */
export interface LoginAttempt {
  /** The account key (normalised username). */
  readonly key: string;
  /** The OPAQUE server state from loginStart. */
  readonly serverState: string;
  /** Where the login came from, and when it started (the address failure it recorded). */
  readonly address: string;
  readonly startedAt: number;
}
/** How far a renewal request's time may be from the server's. */
export const RENEWAL_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** The domain-separation prefix of renewal proofs. */
export const RENEWAL_DOMAIN = Buffer.from('parley certificate renewal v1\0', 'ascii');

/** What a device signs to renew `certificate` at `requestedAt` (ms). */
export function renewalMessage(certificate: Uint8Array, requestedAt: number): Uint8Array {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(requestedAt))));
  return Buffer.concat([RENEWAL_DOMAIN, time, certificate]);
}

/** Why a request was refused. */
export type LoginRefusal = 'USERNAME_INVALID' | 'USERNAME_TAKEN' | 'RATE_LIMITED' | 'LOGIN_FAILED' | 'DEVICE_REVOKED' | 'BAD_REQUEST' | 'NOT_OPEN' | 'NOT_REACHABLE' | 'PROBE_UNAVAILABLE';

/** A refusal, with a sentence and (RATE_LIMITED) when to try again. */
export interface Refused {
  readonly ok: false;
  readonly code: LoginRefusal;
  readonly reason: string;
  readonly retryAfterMs?: number;
}

type Result<T> = ({ readonly ok: true } & T) | Refused;

const refuse = (code: LoginRefusal, reason: string, retryAfterMs?: number): Refused => ({ ok: false, code, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

/** The keys a device asks a certificate for. */
export interface DeviceKeys {
  readonly deviceId: Uint8Array;
  readonly noiseKey: Uint8Array;
  readonly signingKey: Uint8Array;
}

/** How the service starts. */
export interface LoginServiceOptions {
  readonly store: LoginStore;
  readonly ca: SigningKey;
  readonly network: string;
  /** The OPAQUE server setup (its long-term key pair; a secret of the network). */
  readonly opaqueSetup: string;
  readonly limits?: Partial<LoginLimits>;
}

/** Registration, login and certificates. */
export class LoginService {
  private readonly limits: LoginLimits;
  private prunedAt = -Infinity;
  /** Serialises each account's and address's check-then-count (see loginStart). */
  private readonly gate = new KeyedLock();

  constructor(private readonly o: LoginServiceOptions) {
    this.limits = { ...DEFAULT_LOGIN_LIMITS, ...o.limits };
  }

  /** A new OPAQUE server setup (made once per network, kept secret). */
  static async createOpaqueSetup(): Promise<string> {
    await opaque.ready;
    return opaque.server.createSetup();
  }

  /**
   * Registration, step 1: the server's OPAQUE response to the client's request. Every attempt
   * with a valid name counts against the address's registrations per hour, a taken name too (so
   * the limit also bounds probing which names exist). The caller must hold step 2 to this
   * step's name and client (the dispatcher does, per session).
   */
  async registerStart(username: string, registrationRequest: string, address: string, now: number): Promise<Result<{ registrationResponse: string; key: string }>> {
    await opaque.ready;
    const name = checkUsername(username);
    if (!name.ok) return refuse('USERNAME_INVALID', name.reason);
    await this.pruneIfDue(now);
    const recent = await this.o.store.registrationsSince(address, now - HOUR_MS);
    if (recent >= this.limits.registrationsPerAddressPerHour) return refuse('RATE_LIMITED', `at most ${this.limits.registrationsPerAddressPerHour} registrations an hour from one address`, HOUR_MS);
    await this.o.store.recordRegistration(address, now);
    if (await this.o.store.getAccount(name.key)) return refuse('USERNAME_TAKEN', `${name.display} is taken`);
    try {
      const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup: this.o.opaqueSetup, userIdentifier: name.key, registrationRequest });
      return { ok: true, registrationResponse, key: name.key };
    } catch {
      return refuse('BAD_REQUEST', 'the registration request is malformed');
    }
  }

  /** Registration, step 2: stores the client's OPAQUE record (exactly one of racing registrations wins). */
  async registerFinish(username: string, registrationRecord: string, now: number): Promise<Result<{ username: string }>> {
    const name = checkUsername(username);
    if (!name.ok) return refuse('USERNAME_INVALID', name.reason);
    const record = Buffer.from(registrationRecord, 'base64url');
    if (record.length === 0 || record.length > 1024) return refuse('BAD_REQUEST', 'the registration record is malformed');
    const created = await this.o.store.createAccount({ key: name.key, display: name.display, opaqueRecord: new Uint8Array(record), createdAt: now });
    return created === 'created' ? { ok: true, username: name.display } : refuse('USERNAME_TAKEN', `${name.display} is taken`);
  }

  /** Drops rate-limit rows no limit looks at any more, at most every RATE_LIMIT_PRUNE_INTERVAL_MS. */
  private async pruneIfDue(now: number): Promise<void> {
    if (now - this.prunedAt < RATE_LIMIT_PRUNE_INTERVAL_MS) return;
    this.prunedAt = now;
    await this.o.store.pruneBefore(now - Math.max(HOUR_MS, this.limits.backoffMaxMs + this.limits.failureWindowMs));
  }

  /**
   * Whether `scope`/`key` is held back now; the refusal if so. A hold starts when `limit`
   * failures fall within failureWindowMs, and runs from the latest failure for backoffBaseMs,
   * doubled for each further failure in the lookback (backoffMaxMs + failureWindowMs), up to
   * backoffMaxMs; it lasts its whole length even when that is longer than the window.
   */
  private async held(scope: 'account' | 'address', key: string, limit: number, now: number): Promise<Refused | null> {
    const { failureWindowMs, backoffBaseMs, backoffMaxMs } = this.limits;
    const recent = await this.o.store.failuresSince(scope, key, now - backoffMaxMs - failureWindowMs);
    if (recent.count < limit || recent.latest === null || recent.latest + backoffMaxMs <= now) return null;
    const burst = await this.o.store.failuresSince(scope, key, recent.latest - failureWindowMs);
    if (burst.count < limit) return null;
    const hold = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (recent.count - limit));
    const retryAfterMs = recent.latest + hold - now;
    return retryAfterMs > 0 ? refuse('RATE_LIMITED', `too many failed logins ${scope === 'account' ? 'for this account' : 'from this address'}`, retryAfterMs) : null;
  }

  /**
   * Login, step 1: the server's OPAQUE response, and its state for step 2 (kept by the caller).
   * The check of the limits and the recording of this attempt run one at a time per account and
   * per address, so concurrent attempts cannot all pass a check that none of them has counted in.
   */
  async loginStart(username: string, startLoginRequest: string, address: string, now: number): Promise<Result<{ loginResponse: string; serverState: string; key: string }>> {
    await opaque.ready;
    const name = checkUsername(username);
    const key = name.ok ? name.key : username.normalize('NFKC').toLowerCase();
    await this.pruneIfDue(now);
    const held = await this.gate.run(`account:${key}`, () =>
      this.gate.run(`address:${address}`, async () => {
        const refused = (await this.held('account', key, this.limits.failedLoginsPerAccount, now)) ?? (await this.held('address', address, this.limits.failedLoginsPerAddress, now));
        if (refused) return refused;
        // Counted as failed until it finishes (see the top of this file); unknown names alike.
        await this.o.store.recordFailure('account', key, now);
        await this.o.store.recordFailure('address', address, now);
        return null;
      }),
    );
    if (held) return held;
    const account = name.ok ? await this.o.store.getAccount(key) : null;
    try {
      const { loginResponse, serverLoginState } = opaque.server.startLogin({
        serverSetup: this.o.opaqueSetup,
        userIdentifier: key,
        registrationRecord: account ? Buffer.from(account.opaqueRecord).toString('base64url') : null,
        startLoginRequest,
      });
      return { ok: true, loginResponse, serverState: serverLoginState, key };
    } catch {
      return refuse('BAD_REQUEST', 'the login request is malformed');
    }
  }

  /** Login, step 2: checks the client's proof, then certifies the device. */
  async loginFinish(attempt: LoginAttempt, finishLoginRequest: string, device: DeviceKeys, now: number): Promise<Result<{ certificate: Uint8Array; sessionKey: string }>> {
    await opaque.ready;
    const { key, serverState } = attempt;
    let sessionKey: string;
    try {
      sessionKey = opaque.server.finishLogin({ finishLoginRequest, serverLoginState: serverState }).sessionKey;
    } catch {
      return refuse('LOGIN_FAILED', 'wrong username or password');
    }
    const account = await this.o.store.getAccount(key);
    if (!account) return refuse('LOGIN_FAILED', 'wrong username or password');
    if (device.deviceId.length !== 16 || device.noiseKey.length !== 32 || device.signingKey.length !== 32) return refuse('BAD_REQUEST', 'device keys are malformed');
    if (!(await this.o.store.putDevice({ accountKey: key, ...device, createdAt: now }))) return refuse('DEVICE_REVOKED', 'this device was revoked; it gets no certificate');
    await this.o.store.clearFailures('account', key);
    await this.o.store.forgiveFailure('address', attempt.address, attempt.startedAt);
    const certificate = issueCertificate(this.o.ca, {
      kind: 'device',
      network: this.o.network,
      username: account.display,
      deviceId: device.deviceId,
      noiseKey: device.noiseKey,
      signingKey: device.signingKey,
      notBefore: now,
      notAfter: now + this.limits.certificateValidityMs,
      serial: await this.o.store.nextSerial(),
      endpoints: [],
    });
    return { ok: true, certificate, sessionKey };
  }

  /**
   * Renews a device certificate without the password: `proof` is the device's Ed25519 signature of
   * renewalMessage(certificate, requestedAt). Refused if the certificate is not this CA's or has
   * expired, the request is stale, or the device was revoked.
   */
  async renew(certificate: Uint8Array, requestedAt: number, proof: Uint8Array, now: number): Promise<Result<{ certificate: Uint8Array }>> {
    const check = verifyCertificate(certificate, this.o.ca.publicKey, this.o.network, now);
    if (!check.ok || check.body.kind !== 'device' || !check.body.username || !check.body.deviceId || !check.body.signingKey) {
      return refuse('LOGIN_FAILED', check.ok ? 'not a device certificate' : `the certificate does not verify: ${check.code}`);
    }
    if (Math.abs(now - requestedAt) > RENEWAL_CLOCK_SKEW_MS) return refuse('BAD_REQUEST', 'the renewal request is stale or from the future');
    if (!ed25519Verify(check.body.signingKey, renewalMessage(certificate, requestedAt), proof)) return refuse('LOGIN_FAILED', 'the proof is not the device key\'s');
    const key = checkUsername(check.body.username);
    if (!key.ok) return refuse('LOGIN_FAILED', 'the certificate names an invalid user');
    const device = await this.o.store.getDevice(key.key, check.body.deviceId);
    if (!device || device.revokedAt !== null) return refuse('DEVICE_REVOKED', 'this device was revoked; it gets no certificate');
    // A later login may have given the device new keys: a certificate for the old keys is not renewed.
    if (!Buffer.from(device.noiseKey).equals(check.body.noiseKey) || !Buffer.from(device.signingKey).equals(check.body.signingKey)) {
      return refuse('LOGIN_FAILED', 'the device has new keys since this certificate; log in again');
    }
    const renewed = issueCertificate(this.o.ca, { ...check.body, notBefore: now, notAfter: now + this.limits.certificateValidityMs, serial: await this.o.store.nextSerial() });
    return { ok: true, certificate: renewed };
  }

  /** Revokes a device of an account: it gets no certificate from now on. */
  async revoke(key: string, deviceId: Uint8Array, now: number): Promise<boolean> {
    return this.o.store.revokeDevice(key, deviceId, now);
  }
}
