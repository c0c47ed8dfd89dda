/**
 * The login protocol: its messages (one table, commands 0x0110-0x011f) and a transport-free
 * dispatcher that answers a session's requests with the LoginService. The login server runs it
 * over secure sessions; tests run it directly. OPAQUE's messages travel as bytes.
 */

import { decodeMessage, encodeMessage, type WireMessage } from '../wire/index.js';
import { bytes, defineMessage, defineProtocol, enumeration, field, optional, repeated, string, struct, uint } from '../wire/schema.js';
import type { LoginAttempt, LoginRefusal, LoginService } from './accounts.js';
import type { LoginStore } from './store/login-store.js';
import { makeRevocationList } from './revocation.js';
import { issueSupernodeCertificate, SupernodeCertificateError } from './supernode-certificate.js';
import { checkUsername } from './username.js';
import type { SigningKey } from '../crypto/ed25519.js';

/** Largest OPAQUE message on the wire (registration records are 192 bytes). */
const OPAQUE_BYTES_MAX = 1024;
const opaqueBytes = bytes({ minBytes: 1, maxBytes: OPAQUE_BYTES_MAX });
const username = string({ minBytes: 1, maxBytes: 256 });

export const RegisterStart = defineMessage('register-start', 0x0110, { username: field(1, username), request: field(2, opaqueBytes) });
export const RegisterStarted = defineMessage('register-started', 0x0111, { response: field(1, opaqueBytes) });
export const RegisterFinish = defineMessage('register-finish', 0x0112, { username: field(1, username), record: field(2, opaqueBytes) });
export const Registered = defineMessage('registered', 0x0113, { username: field(1, username) });
export const LoginStart = defineMessage('login-start', 0x0114, { username: field(1, username), request: field(2, opaqueBytes) });
export const LoginStarted = defineMessage('login-started', 0x0115, { response: field(1, opaqueBytes) });
export const LoginFinish = defineMessage('login-finish', 0x0116, {
  proof: field(1, opaqueBytes),
  deviceId: field(2, bytes(16)),
  noiseKey: field(3, bytes(32)),
  signingKey: field(4, bytes(32)),
});
export const LoggedIn = defineMessage('logged-in', 0x0117, { certificate: field(1, bytes({ maxBytes: 4096 })) });
export const Renew = defineMessage('renew', 0x0118, { certificate: field(1, bytes({ maxBytes: 4096 })), requestedAt: field(2, uint()), proof: field(3, bytes(64)) });
export const Renewed = defineMessage('renewed', 0x0119, { certificate: field(1, bytes({ maxBytes: 4096 })) });
export const GetRevocations = defineMessage('get-revocations', 0x011a, {});
export const Revocations = defineMessage('revocations', 0x011b, { list: field(1, bytes({ maxBytes: 1024 * 1024 })) });
export const ListDevices = defineMessage('list-devices', 0x011c, {});
export const RevokeDevice = defineMessage('revoke-device', 0x011d, { deviceId: field(1, bytes(16)) });
const deviceEntry = struct({ deviceId: field(1, bytes(16)), createdAt: field(2, uint()), revokedAt: optional(3, uint()) });
export const Devices = defineMessage('devices', 0x011e, { devices: repeated(1, deviceEntry) });
export const LOGIN_ERROR_CODES = ['USERNAME_INVALID', 'USERNAME_TAKEN', 'RATE_LIMITED', 'LOGIN_FAILED', 'DEVICE_REVOKED', 'BAD_REQUEST', 'NOT_OPEN', 'NOT_REACHABLE', 'PROBE_UNAVAILABLE'] as const;
export const LoginError = defineMessage('login-error', 0x011f, {
  code: field(1, enumeration(LOGIN_ERROR_CODES)),
  reason: field(2, string({ maxBytes: 512 })),
  retryAfterMs: optional(3, uint()),
});

/** The requests a login server answers. */
/** Open mode: certify me (this session's key) as a supernode at these endpoints, once you have reached me there. */
export const SupernodeRequest = defineMessage('supernode-request', 0x0102, { endpoints: repeated(1, string({ maxBytes: 64 })) });
/** The supernode certificate issued in open mode. */
export const SupernodeIssued = defineMessage('supernode-issued', 0x0103, { certificate: field(1, bytes({ maxBytes: 4096 })) });
export const LOGIN_REQUESTS = defineProtocol('login-requests', [RegisterStart, RegisterFinish, LoginStart, LoginFinish, Renew, GetRevocations, ListDevices, RevokeDevice, SupernodeRequest] as const);

/** Open-mode supernode requests per source address per hour (each costs a reachability probe). */
export const SUPERNODE_REQUESTS_PER_ADDRESS_PER_HOUR = 10;
/** Addresses whose open-mode requests are counted at once; beyond it the oldest is forgotten. */
const SUPERNODE_REQUESTERS_MAX = 10_000;

/** Open mode: how the login server checks and certifies a would-be supernode. */
export interface OpenSupernodes {
  /** Whether a fresh session from another vantage point reaches `key` at one of `endpoints`. */
  readonly probe: (key: Uint8Array, endpoints: readonly string[]) => Promise<boolean>;
  /** Validity of open-mode certificates (short: the address must stay reachable). */
  readonly validityMs: number;
}

/** How long a started login waits for its second step. */
export const PENDING_LOGIN_MS = 60_000;
/** Started logins held at once; beyond it the oldest is forgotten (its client must start again). */
export const PENDING_LOGINS_MAX = 10_000;

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const raw = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));

/** Names one client session for the dispatcher; the server makes it unique across its transports ("udp:7", "tcp:7"). */
export type SessionKey = string;

/** Answers login requests; one instance per server process. */
export class LoginDispatcher {
  /** Session id -> the state between LoginStart and LoginFinish. */
  private readonly pending = new Map<SessionKey, LoginAttempt>();
  /** Session id -> the name it started registering (step 2 must be on the same session, for the same name). */
  private readonly registering = new Map<SessionKey, { key: string; startedAt: number }>();
  /** Session id -> the account it logged in as (for device management); bounded like pending. */
  private readonly authenticated = new Map<SessionKey, string>();

  /** Source address -> times of its open-mode requests in the last hour. */
  private readonly supernodeRequests = new Map<string, number[]>();

  constructor(
    private readonly service: LoginService,
    private readonly store: LoginStore,
    private readonly ca: SigningKey,
    private readonly network: string,
    private readonly openSupernodes: OpenSupernodes | null = null,
  ) {}

  private error(requestId: number, code: LoginRefusal, reason: string, retryAfterMs?: number): Uint8Array {
    return encodeMessage(LoginError.toMessage({ code, reason, ...(retryAfterMs !== undefined ? { retryAfterMs: Math.ceil(retryAfterMs) } : {}) }, requestId), { compressed: true });
  }

  private reply(m: WireMessage): Uint8Array {
    return encodeMessage(m, { compressed: true });
  }

  /** The reply to one request (bytes of a wire message), from session `session` at `address`. */
  async handle(session: SessionKey, address: string, request: Uint8Array, now: number, peerKey?: Uint8Array): Promise<Uint8Array> {
    const decoded = decodeMessage(request);
    if (!decoded.ok) return this.error(0, 'BAD_REQUEST', decoded.error.message);
    const id = decoded.value.requestId;
    const r = LOGIN_REQUESTS.decode(decoded.value);
    if (!r.ok) return this.error(id, 'BAD_REQUEST', r.error.message);
    const m = r.value;
    switch (m.name) {
      case 'register-start': {
        const s = await this.service.registerStart(m.value.username, b64(m.value.request), address, now);
        if (s.ok) {
          this.registering.delete(session);
          if (this.registering.size >= PENDING_LOGINS_MAX) this.registering.delete(this.registering.keys().next().value as SessionKey);
          this.registering.set(session, { key: s.key, startedAt: now });
        }
        return s.ok ? this.reply(RegisterStarted.toMessage({ response: raw(s.registrationResponse) }, id)) : this.error(id, s.code, s.reason, s.retryAfterMs);
      }
      case 'register-finish': {
        const started = this.registering.get(session);
        this.registering.delete(session);
        const name = checkUsername(m.value.username);
        if (!started || now - started.startedAt > PENDING_LOGIN_MS || !name.ok || name.key !== started.key) return this.error(id, 'BAD_REQUEST', 'no registration of this name started on this session (or it timed out): start again');
        const s = await this.service.registerFinish(m.value.username, b64(m.value.record), now);
        return s.ok ? this.reply(Registered.toMessage({ username: s.username }, id)) : this.error(id, s.code, s.reason);
      }
      case 'login-start': {
        const s = await this.service.loginStart(m.value.username, b64(m.value.request), address, now);
        if (!s.ok) return this.error(id, s.code, s.reason, s.retryAfterMs);
        this.pending.delete(session);
        if (this.pending.size >= PENDING_LOGINS_MAX) this.pending.delete(this.pending.keys().next().value as SessionKey);
        this.pending.set(session, { key: s.key, serverState: s.serverState, address, startedAt: now });
        return this.reply(LoginStarted.toMessage({ response: raw(s.loginResponse) }, id));
      }
      case 'login-finish': {
        const p = this.pending.get(session);
        this.pending.delete(session);
        if (!p || now - p.startedAt > PENDING_LOGIN_MS) return this.error(id, 'BAD_REQUEST', 'no login started on this session (or it timed out): start again');
        const s = await this.service.loginFinish(p, b64(m.value.proof), m.value, now);
        if (!s.ok) return this.error(id, s.code, s.reason);
        if (this.authenticated.size >= PENDING_LOGINS_MAX) this.authenticated.delete(this.authenticated.keys().next().value as SessionKey);
        this.authenticated.set(session, p.key);
        return this.reply(LoggedIn.toMessage({ certificate: s.certificate }, id));
      }
      case 'list-devices':
      case 'revoke-device': {
        const key = this.authenticated.get(session);
        if (key === undefined) return this.error(id, 'BAD_REQUEST', 'log in on this session first');
        if (m.name === 'revoke-device' && !(await this.service.revoke(key, m.value.deviceId, now))) return this.error(id, 'BAD_REQUEST', 'no such device on this account');
        const devices = (await this.store.listDevices(key)).map((d) => ({ deviceId: d.deviceId, createdAt: d.createdAt, ...(d.revokedAt !== null ? { revokedAt: d.revokedAt } : {}) }));
        return this.reply(Devices.toMessage({ devices }, id));
      }
      case 'renew': {
        const s = await this.service.renew(m.value.certificate, m.value.requestedAt, m.value.proof, now);
        return s.ok ? this.reply(Renewed.toMessage({ certificate: s.certificate }, id)) : this.error(id, s.code, s.reason);
      }
      case 'supernode-request': {
        if (!this.openSupernodes) return this.error(id, 'NOT_OPEN', 'this network certifies supernodes only by its operator (managed mode)');
        if (!peerKey) return this.error(id, 'BAD_REQUEST', 'no session key to certify');
        const recent = (this.supernodeRequests.get(address) ?? []).filter((t) => now - t < 3_600_000);
        if (recent.length >= SUPERNODE_REQUESTS_PER_ADDRESS_PER_HOUR) return this.error(id, 'RATE_LIMITED', `at most ${SUPERNODE_REQUESTS_PER_ADDRESS_PER_HOUR} supernode requests an hour from one address`, (recent[0] ?? now) + 3_600_000 - now);
        this.supernodeRequests.delete(address);
        if (this.supernodeRequests.size >= SUPERNODE_REQUESTERS_MAX) this.supernodeRequests.delete(this.supernodeRequests.keys().next().value as string);
        this.supernodeRequests.set(address, [...recent, now]);
        let certificate: Uint8Array;
        try {
          // Validates the endpoints before anything is probed.
          certificate = issueSupernodeCertificate(this.ca, { network: this.network, noiseKey: peerKey, endpoints: m.value.endpoints, notBefore: now, validityMs: this.openSupernodes.validityMs });
        } catch (e) {
          return this.error(id, 'BAD_REQUEST', e instanceof SupernodeCertificateError ? e.message : 'bad request');
        }
        let reachable: boolean;
        try {
          reachable = await this.openSupernodes.probe(peerKey, m.value.endpoints);
        } catch (e) {
          return this.error(id, 'PROBE_UNAVAILABLE', `the reachability check could not be made: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300));
        }
        if (!reachable) return this.error(id, 'NOT_REACHABLE', 'a session from another vantage point did not reach this key at any of those endpoints');
        return this.reply(SupernodeIssued.toMessage({ certificate }, id));
      }
      case 'get-revocations':
        return this.reply(Revocations.toMessage({ list: await makeRevocationList(this.store, this.ca, this.network, now) }, id));
    }
  }

  /** Forgets a session's started login and its login (the session closed). */
  forget(session: SessionKey): void {
    this.pending.delete(session);
    this.registering.delete(session);
    this.authenticated.delete(session);
  }
}
