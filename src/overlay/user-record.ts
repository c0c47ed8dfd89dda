/**
 * A directory record: what one device of a user publishes at the slot's replicas (DESIGN.md,
 * "Directory"): its certificate, presence, the supernodes it is attached to, its address
 * candidates, a sequence number and a time to live. The device signs it with the Ed25519 key its
 * CA certificate names, under a domain-separation prefix, so a supernode that stores it can
 * neither forge nor alter it; the sequence number lets every replica and reader refuse an older
 * record in place of a newer one (no rollback).
 */

import { domainSeparated, ed25519Sign, ed25519Verify, type SigningKey } from '../crypto/ed25519.js';
import { verifyCertificate } from '../login/certificate.js';
import { checkUsername } from '../login/username.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { bytes, defineMessage, enumeration, field, type Infer, optional, repeated, string, struct, uint } from '../wire/schema.js';

/** Command ids of the record messages (the directory protocol's range starts at 0x0200). */
export const USER_RECORD_BODY_COMMAND = 0x0200;
export const USER_RECORD_COMMAND = 0x0201;
/** The domain-separation prefix of record signatures. */
export const USER_RECORD_SIGNATURE_DOMAIN = Buffer.from('parley directory record v1\0', 'ascii');
/** Longest time to live a record may ask for; a device refreshes well before (half its TTL). */
export const USER_RECORD_TTL_MAX_MS = 60 * 60 * 1000;
/** Default time to live: a device that vanishes is gone from lookups within 10 minutes. */
export const USER_RECORD_TTL_DEFAULT_MS = 10 * 60 * 1000;
/** How far a record's issue time may be ahead of a replica's clock. */
export const USER_RECORD_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Most supernodes a device names (it attaches to 2-3). */
export const USER_RECORD_SUPERNODES_MAX = 4;
/** Most address candidates a device names. */
export const USER_RECORD_CANDIDATES_MAX = 16;
/** Largest encoded record (certificate included). */
export const USER_RECORD_MAX_BYTES = 8192;

/** Presence as others see it (a device that is invisible publishes offline). */
export const PRESENCE_VALUES = ['online', 'away', 'busy', 'offline'] as const;
export type Presence = (typeof PRESENCE_VALUES)[number];

const bodyFields = {
  network: field(1, string({ minBytes: 1, maxBytes: 63 })),
  /** The account key (normalised username) the record is filed under. */
  accountKey: field(2, string({ minBytes: 1, maxBytes: 64 })),
  deviceId: field(3, bytes(16)),
  /** The device's CA certificate (certificate.ts). */
  certificate: field(4, bytes({ maxBytes: 4096 })),
  presence: field(5, enumeration(PRESENCE_VALUES)),
  mood: optional(6, string({ maxBytes: 300 })),
  /** Noise static keys of the supernodes the device is attached to. */
  supernodes: repeated(7, bytes(32)),
  /** Address candidates, "udp:host:port" or "tcp:host:port". */
  candidates: repeated(8, string({ maxBytes: 64 })),
  seq: field(9, uint()),
  issuedAt: field(10, uint()),
  ttlMs: field(11, uint()),
};

/** What a record says. */
export const UserRecordBody = defineMessage('user-record-body', USER_RECORD_BODY_COMMAND, bodyFields);
export type UserRecordBody = Infer<typeof bodyFields>;
const recordFields = { body: field(1, struct(bodyFields)), signature: field(2, bytes(64)) };
/** A signed record. */
export const UserRecord = defineMessage('user-record', USER_RECORD_COMMAND, recordFields);

function signedBytes(body: UserRecordBody): Uint8Array {
  return domainSeparated(USER_RECORD_SIGNATURE_DOMAIN, encodeMessage(UserRecordBody.toMessage(body)));
}

/** Signs a record body with the device's key; the record's bytes. */
export function signUserRecord(deviceKey: SigningKey, body: UserRecordBody): Uint8Array {
  if (body.supernodes.length > USER_RECORD_SUPERNODES_MAX || body.candidates.length > USER_RECORD_CANDIDATES_MAX) throw new RangeError('too many supernodes or candidates in a record');
  if (body.ttlMs <= 0 || body.ttlMs > USER_RECORD_TTL_MAX_MS) throw new RangeError(`a record's TTL is 1 ms to ${USER_RECORD_TTL_MAX_MS} ms`);
  const out = encodeMessage(UserRecord.toMessage({ body, signature: ed25519Sign(deviceKey, signedBytes(body)) }));
  if (out.length > USER_RECORD_MAX_BYTES) throw new RangeError(`a record is at most ${USER_RECORD_MAX_BYTES} bytes`);
  return out;
}

/** Why a record is refused. */
export type UserRecordErrorCode = 'RECORD_MALFORMED' | 'RECORD_BAD_CERTIFICATE' | 'RECORD_WRONG_OWNER' | 'RECORD_BAD_SIGNATURE' | 'RECORD_EXPIRED' | 'RECORD_FROM_FUTURE' | 'RECORD_REVOKED';

/** A verified record. */
export interface VerifiedUserRecord {
  readonly bytes: Uint8Array;
  readonly body: UserRecordBody;
  /** The username as the certificate spells it. */
  readonly username: string;
  readonly signingKey: Uint8Array;
  readonly noiseKey: Uint8Array;
  /** When it stops counting (issuedAt + ttlMs). */
  readonly expiresAt: number;
}

/** The outcome of verifying a record. */
export type UserRecordCheck = { readonly ok: true; readonly record: VerifiedUserRecord } | { readonly ok: false; readonly code: UserRecordErrorCode; readonly reason: string };

/** What verification needs to know. */
export interface UserRecordContext {
  readonly caPublicKey: Uint8Array;
  readonly network: string;
  readonly now: number;
  /** Whether the CA has revoked this device (from the signed revocation list). */
  readonly isRevoked?: (accountKey: string, deviceId: Uint8Array) => boolean;
}

const refuse = (code: UserRecordErrorCode, reason: string): UserRecordCheck => ({ ok: false, code, reason });

/**
 * Checks a record's bytes: canonical encoding, a device certificate from this network's CA that
 * is valid now and names the same account and device, the device key's signature, a TTL within
 * bounds that has not run out, an issue time not ahead of `now` by more than the allowed skew,
 * and no revocation. Readers (clients) run the same check as replicas.
 */
export function verifyUserRecord(bytesIn: Uint8Array, ctx: UserRecordContext): UserRecordCheck {
  if (bytesIn.length > USER_RECORD_MAX_BYTES) return refuse('RECORD_MALFORMED', `more than ${USER_RECORD_MAX_BYTES} bytes`);
  const decoded = decodeMessage(bytesIn);
  if (!decoded.ok) return refuse('RECORD_MALFORMED', decoded.error.message);
  const r = UserRecord.fromMessage(decoded.value);
  if (!r.ok) return refuse('RECORD_MALFORMED', r.error.message);
  const { body, signature } = r.value;
  if (!Buffer.from(encodeMessage(UserRecord.toMessage(r.value))).equals(bytesIn)) return refuse('RECORD_MALFORMED', 'not in canonical form');
  if (body.supernodes.length > USER_RECORD_SUPERNODES_MAX || body.candidates.length > USER_RECORD_CANDIDATES_MAX) return refuse('RECORD_MALFORMED', 'too many supernodes or candidates');
  if (body.ttlMs <= 0 || body.ttlMs > USER_RECORD_TTL_MAX_MS) return refuse('RECORD_MALFORMED', `TTL ${body.ttlMs} ms is out of bounds`);
  if (body.network !== ctx.network) return refuse('RECORD_WRONG_OWNER', `a record of network ${JSON.stringify(body.network)}`);
  const cert = verifyCertificate(body.certificate, ctx.caPublicKey, ctx.network, ctx.now);
  if (!cert.ok) return refuse('RECORD_BAD_CERTIFICATE', `${cert.code}: ${cert.reason}`);
  const c = cert.body;
  if (c.kind !== 'device' || c.username === undefined || c.deviceId === undefined || c.signingKey === undefined) return refuse('RECORD_BAD_CERTIFICATE', 'not a device certificate');
  const key = checkUsername(c.username);
  if (!key.ok || key.key !== body.accountKey || !Buffer.from(c.deviceId).equals(body.deviceId)) return refuse('RECORD_WRONG_OWNER', "the certificate is not this account's and device's");
  if (!ed25519Verify(c.signingKey, signedBytes(body), signature)) return refuse('RECORD_BAD_SIGNATURE', "the signature is not the device key's");
  if (body.issuedAt > ctx.now + USER_RECORD_CLOCK_SKEW_MS) return refuse('RECORD_FROM_FUTURE', 'issued ahead of this clock');
  const expiresAt = body.issuedAt + body.ttlMs;
  if (expiresAt <= ctx.now) return refuse('RECORD_EXPIRED', `expired at ${new Date(expiresAt).toISOString()}`);
  if (ctx.isRevoked?.(body.accountKey, body.deviceId) === true) return refuse('RECORD_REVOKED', 'the device was revoked');
  return { ok: true, record: { bytes: bytesIn, body, username: c.username, signingKey: c.signingKey, noiseKey: c.noiseKey, expiresAt } };
}

/**
 * Whether a verified record may replace the stored one of the same device: only a higher
 * sequence number does (an equal one must be the same record), so a replica or a reader never
 * goes back to an older state, whoever offers it.
 */
export function supersedes(candidate: VerifiedUserRecord, stored: VerifiedUserRecord | null): boolean {
  if (stored === null) return true;
  return candidate.body.seq > stored.body.seq;
}
