/**
 * The end-to-end envelope of every chat message, receipt, contact request and sync item: what a
 * device sends to other devices (directly, or through the offline store at the recipient's slot
 * replicas, which only ever see these bytes).
 *
 * The content is encrypted once, with ChaCha20-Poly1305 under a fresh 32-byte key; that key is
 * sealed with HPKE (RFC 9180, base mode) to each recipient device's X25519 key, the Noise static
 * key its CA certificate names. The sending device signs everything (its certificate, the id,
 * the time, the sealed keys and the ciphertext) with the Ed25519 key its certificate names, under
 * a domain-separation prefix, so a relay can neither read, alter, nor re-address a message, and a
 * reader knows which device of which user wrote it. Sans-I/O: time and randomness come in.
 */

import { createCipheriv, createDecipheriv } from 'node:crypto';

import { domainSeparated, ed25519Sign, ed25519Verify, type SigningKey } from '../crypto/ed25519.js';
import { hpkeOpen, hpkeSeal } from '../crypto/hpke.js';
import type { KeyPair } from '../crypto/noise/index.js';
import { verifyCertificate } from '../login/certificate.js';
import { checkUsername } from '../login/username.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { bytes, defineMessage, field, repeated, string, struct, uint } from '../wire/schema.js';

/** Command ids of the envelope (the chat protocol's range starts at 0x0300). */
export const ENVELOPE_BODY_COMMAND = 0x0300;
export const ENVELOPE_COMMAND = 0x0301;
/** The domain-separation prefix of envelope signatures. */
export const ENVELOPE_SIGNATURE_DOMAIN = Buffer.from('parley envelope v1\0', 'ascii');
/** HPKE `info` for the sealed content keys. */
const KEY_SEAL_INFO = Buffer.from('parley envelope key v1', 'ascii');
/** Devices one envelope is sealed to at most (a user's devices plus the sender's own others). */
export const ENVELOPE_RECIPIENTS_MAX = 32;
/** Largest content (plaintext) an envelope carries. */
export const ENVELOPE_CONTENT_MAX_BYTES = 48 * 1024;
/** Largest encoded envelope: fits the offline store's 60,000-byte messages. */
export const ENVELOPE_MAX_BYTES = 60_000;
/** How far an envelope's time may be ahead of the reader's clock. */
export const ENVELOPE_CLOCK_SKEW_MS = 5 * 60 * 1000;
const CONTENT_KEY_BYTES = 32;
const TAG_BYTES = 16;
/** The content key is used once, so the nonce can be fixed. */
const CONTENT_NONCE = new Uint8Array(12);
/** HPKE enc (32) + sealed key (32) + tag (16). */
const SEALED_KEY_BYTES = 32 + CONTENT_KEY_BYTES + TAG_BYTES;

const recipientFields = struct({ deviceId: field(1, bytes(16)), sealedKey: field(2, bytes(SEALED_KEY_BYTES)) });
const bodyFields = {
  network: field(1, string({ minBytes: 1, maxBytes: 63 })),
  /** The sending device's CA certificate. */
  certificate: field(2, bytes({ maxBytes: 4096 })),
  /** The message id (a UUIDv7: ordered by time), chosen by the sender. */
  id: field(3, bytes(16)),
  sentAt: field(4, uint()),
  recipients: repeated(5, recipientFields),
  ciphertext: field(6, bytes({ maxBytes: ENVELOPE_CONTENT_MAX_BYTES + TAG_BYTES })),
};
/** What an envelope says. */
export const EnvelopeBody = defineMessage('envelope-body', ENVELOPE_BODY_COMMAND, bodyFields);
/** A signed envelope. */
export const Envelope = defineMessage('envelope', ENVELOPE_COMMAND, { body: field(1, struct(bodyFields)), signature: field(2, bytes(64)) });

/** The sending device. */
export interface EnvelopeSender {
  readonly network: string;
  readonly certificate: Uint8Array;
  readonly signingKey: SigningKey;
}

/** A device to seal to: its id and the X25519 key its certificate names. */
export interface EnvelopeRecipient {
  readonly deviceId: Uint8Array;
  readonly noiseKey: Uint8Array;
}

/** Why an envelope cannot be read. */
export type EnvelopeErrorCode = 'ENVELOPE_MALFORMED' | 'ENVELOPE_BAD_CERTIFICATE' | 'ENVELOPE_BAD_SIGNATURE' | 'ENVELOPE_FROM_FUTURE' | 'ENVELOPE_NOT_FOR_ME' | 'ENVELOPE_UNREADABLE';

/** A verified, opened envelope. */
export interface OpenedEnvelope {
  readonly id: Uint8Array;
  readonly sentAt: number;
  /** The sender's account key (normalised username), its username as certified, its device. */
  readonly senderAccount: string;
  readonly senderUsername: string;
  readonly senderDevice: Uint8Array;
  /** The sending device's X25519 key (from its certificate): what to seal replies to. */
  readonly senderNoiseKey: Uint8Array;
  readonly content: Uint8Array;
}

export type EnvelopeCheck = { readonly ok: true; readonly envelope: OpenedEnvelope } | { readonly ok: false; readonly code: EnvelopeErrorCode; readonly reason: string };

/** What a reader needs. */
export interface EnvelopeReader {
  readonly caPublicKey: Uint8Array;
  readonly network: string;
  readonly deviceId: Uint8Array;
  /** This device's Noise static key pair (its certificate's X25519 key). */
  readonly noiseKey: KeyPair;
}

function contentCipher(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, CONTENT_NONCE, { authTagLength: TAG_BYTES });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
}

function contentDecipher(key: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  if (ciphertext.length < TAG_BYTES) return null;
  const d = createDecipheriv('chacha20-poly1305', key, CONTENT_NONCE, { authTagLength: TAG_BYTES });
  d.setAAD(aad, { plaintextLength: ciphertext.length - TAG_BYTES });
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  try {
    return new Uint8Array(Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), d.final()]));
  } catch {
    return null;
  }
}

/** Binds the content and the sealed keys to this message (id and time). */
const aadOf = (id: Uint8Array, sentAt: number): Uint8Array => new Uint8Array(Buffer.concat([id, Buffer.from(String(sentAt))]));

/**
 * Seals `content` to `recipients` (each device once; at most ENVELOPE_RECIPIENTS_MAX) and signs
 * it; the envelope's bytes. `random(n)` gives the content key.
 */
export function sealEnvelope(sender: EnvelopeSender, id: Uint8Array, sentAt: number, recipients: readonly EnvelopeRecipient[], content: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  if (id.length !== 16) throw new RangeError('a message id has 16 bytes');
  if (content.length > ENVELOPE_CONTENT_MAX_BYTES) throw new RangeError(`an envelope carries at most ${ENVELOPE_CONTENT_MAX_BYTES} bytes of content`);
  const unique = new Map(recipients.map((r) => [Buffer.from(r.deviceId).toString('hex'), r]));
  if (unique.size === 0 || unique.size > ENVELOPE_RECIPIENTS_MAX) throw new RangeError(`an envelope goes to 1 to ${ENVELOPE_RECIPIENTS_MAX} devices`);
  const key = random(CONTENT_KEY_BYTES);
  const aad = aadOf(id, sentAt);
  const body = {
    network: sender.network,
    certificate: sender.certificate,
    id,
    sentAt,
    recipients: [...unique.values()].map((r) => ({ deviceId: r.deviceId, sealedKey: hpkeSeal(r.noiseKey, KEY_SEAL_INFO, new Uint8Array(Buffer.concat([aad, r.deviceId])), key) })),
    ciphertext: contentCipher(key, aad, content),
  };
  const signature = ed25519Sign(sender.signingKey, domainSeparated(ENVELOPE_SIGNATURE_DOMAIN, encodeMessage(EnvelopeBody.toMessage(body))));
  const out = encodeMessage(Envelope.toMessage({ body, signature }));
  if (out.length > ENVELOPE_MAX_BYTES) throw new RangeError(`an envelope is at most ${ENVELOPE_MAX_BYTES} bytes`);
  return out;
}

const refuse = (code: EnvelopeErrorCode, reason: string): EnvelopeCheck => ({ ok: false, code, reason });

/**
 * Verifies and opens an envelope for the reading device: canonical encoding; a device certificate
 * from the network's CA that was valid when the envelope says it was sent; that device's
 * signature; a time not ahead of `now` by more than the allowed skew; a sealed key for this
 * device that opens; content that authenticates. Total: any bytes give a result.
 */
export function openEnvelope(bytesIn: Uint8Array, reader: EnvelopeReader, now: number): EnvelopeCheck {
  if (bytesIn.length > ENVELOPE_MAX_BYTES) return refuse('ENVELOPE_MALFORMED', `more than ${ENVELOPE_MAX_BYTES} bytes`);
  const decoded = decodeMessage(bytesIn);
  if (!decoded.ok) return refuse('ENVELOPE_MALFORMED', decoded.error.message);
  const e = Envelope.fromMessage(decoded.value);
  if (!e.ok) return refuse('ENVELOPE_MALFORMED', e.error.message);
  if (!Buffer.from(encodeMessage(Envelope.toMessage(e.value))).equals(bytesIn)) return refuse('ENVELOPE_MALFORMED', 'not in canonical form');
  const { body, signature } = e.value;
  if (body.recipients.length > ENVELOPE_RECIPIENTS_MAX) return refuse('ENVELOPE_MALFORMED', 'too many recipients');
  if (body.network !== reader.network) return refuse('ENVELOPE_BAD_CERTIFICATE', `for network ${JSON.stringify(body.network)}`);
  if (body.sentAt > now + ENVELOPE_CLOCK_SKEW_MS) return refuse('ENVELOPE_FROM_FUTURE', `sent at ${new Date(body.sentAt).toISOString()}, ahead of this clock`);
  // Verified at the time it was sent: a message read from the offline store days later still checks.
  const cert = verifyCertificate(body.certificate, reader.caPublicKey, reader.network, body.sentAt);
  if (!cert.ok) return refuse('ENVELOPE_BAD_CERTIFICATE', cert.reason);
  const { kind, username, deviceId, signingKey } = cert.body;
  if (kind !== 'device' || username === undefined || deviceId === undefined || signingKey === undefined) return refuse('ENVELOPE_BAD_CERTIFICATE', 'not a device certificate');
  if (!ed25519Verify(signingKey, domainSeparated(ENVELOPE_SIGNATURE_DOMAIN, encodeMessage(EnvelopeBody.toMessage(body))), signature)) return refuse('ENVELOPE_BAD_SIGNATURE', "not the sending device's signature");
  const mine = body.recipients.find((r) => Buffer.from(r.deviceId).equals(reader.deviceId));
  if (!mine) return refuse('ENVELOPE_NOT_FOR_ME', 'not sealed to this device');
  const aad = aadOf(body.id, body.sentAt);
  const key = hpkeOpen(reader.noiseKey, KEY_SEAL_INFO, new Uint8Array(Buffer.concat([aad, reader.deviceId])), mine.sealedKey);
  if (!key || key.length !== CONTENT_KEY_BYTES) return refuse('ENVELOPE_UNREADABLE', 'the sealed key does not open with this device key');
  const content = contentDecipher(key, aad, body.ciphertext);
  if (!content) return refuse('ENVELOPE_UNREADABLE', 'the content does not authenticate');
  const name = checkUsername(username);
  if (!name.ok) return refuse('ENVELOPE_BAD_CERTIFICATE', name.reason);
  return { ok: true, envelope: { id: body.id, sentAt: body.sentAt, senderAccount: name.key, senderUsername: username, senderDevice: deviceId, senderNoiseKey: cert.body.noiseKey, content } };
}
