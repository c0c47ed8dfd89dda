/**
 * Certificates: the login server, as the network's CA, binds a device's keys to a username (or a
 * supernode's keys to its addresses) for a short validity window. A certificate is the canonical
 * plain wire encoding of its body and an Ed25519 signature of
 * `"parley certificate v1" || 0x00 || plain encoding of the body` (domain separation: the CA's
 * key signs nothing else with this prefix).
 */

import { domainSeparated, ed25519Sign, ed25519Verify, type SigningKey } from '../crypto/ed25519.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { bytes, defineMessage, enumeration, field, type Infer, optional, repeated, string, struct, uint } from '../wire/schema.js';

/** Command ids of the certificate messages (the login protocol's range starts at 0x0100). */
export const CERTIFICATE_BODY_COMMAND = 0x0100;
export const CERTIFICATE_COMMAND = 0x0101;
/** Default validity of a device certificate: 24 hours (issue #4). */
export const DEVICE_CERTIFICATE_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** The domain-separation prefix of certificate signatures. */
export const CERTIFICATE_SIGNATURE_DOMAIN = Buffer.from('parley certificate v1\0', 'ascii');

const bodyFields = {
  kind: field(1, enumeration(['device', 'supernode'])),
  network: field(2, string({ minBytes: 1, maxBytes: 63 })),
  username: optional(3, string({ minBytes: 1, maxBytes: 64 })),
  deviceId: optional(4, bytes(16)),
  /** The Noise static key (X25519) of the device or supernode. */
  noiseKey: field(5, bytes(32)),
  /** The signing key (Ed25519) of the device, for directory records and messages. */
  signingKey: optional(6, bytes(32)),
  notBefore: field(7, uint()),
  notAfter: field(8, uint()),
  serial: field(9, uint()),
  /** A supernode's public endpoints ("udp:host:port"). */
  endpoints: repeated(10, string({ maxBytes: 64 })),
};

/** What a certificate says. */
export const CertificateBody = defineMessage('certificate-body', CERTIFICATE_BODY_COMMAND, bodyFields);
/** A certificate body. */
export type CertificateBody = Infer<typeof bodyFields>;

const certificateFields = { body: field(1, struct(bodyFields)), signature: field(2, bytes(64)) };
/** A signed certificate. */
export const Certificate = defineMessage('certificate', CERTIFICATE_COMMAND, certificateFields);

/** The bytes the CA signs for `body`. */
export function signedBytes(body: CertificateBody): Uint8Array {
  return domainSeparated(CERTIFICATE_SIGNATURE_DOMAIN, encodeMessage(CertificateBody.toMessage(body)));
}

/** Signs `body` with the CA key; the certificate's bytes (plain wire encoding). */
export function issueCertificate(ca: SigningKey, body: CertificateBody): Uint8Array {
  if (body.notAfter <= body.notBefore) throw new RangeError('a certificate must end after it starts');
  return encodeMessage(Certificate.toMessage({ body, signature: ed25519Sign(ca, signedBytes(body)) }));
}

/** Why a certificate does not verify. */
export type CertificateErrorCode = 'CERT_MALFORMED' | 'CERT_BAD_SIGNATURE' | 'CERT_WRONG_NETWORK' | 'CERT_NOT_YET_VALID' | 'CERT_EXPIRED';

/** The outcome of verifying a certificate. */
export type CertificateCheck = { readonly ok: true; readonly body: CertificateBody } | { readonly ok: false; readonly code: CertificateErrorCode; readonly reason: string };

/** Checks a certificate's bytes against the CA key, the network name and the time `now` (ms). */
export function verifyCertificate(bytesIn: Uint8Array, caPublicKey: Uint8Array, network: string, now: number): CertificateCheck {
  const decoded = decodeMessage(bytesIn);
  if (!decoded.ok) return { ok: false, code: 'CERT_MALFORMED', reason: decoded.error.message };
  const cert = Certificate.fromMessage(decoded.value);
  if (!cert.ok) return { ok: false, code: 'CERT_MALFORMED', reason: cert.error.message };
  const { body, signature } = cert.value;
  // Tamper-evident in every byte: the input must be exactly the canonical encoding of what it says
  // (request id 0, no unknown fields). A newer certificate format takes a new command id.
  if (!Buffer.from(encodeMessage(Certificate.toMessage(cert.value))).equals(bytesIn)) {
    return { ok: false, code: 'CERT_MALFORMED', reason: 'not in canonical form (changed, or from a newer version)' };
  }
  if (!ed25519Verify(caPublicKey, signedBytes(body), signature)) return { ok: false, code: 'CERT_BAD_SIGNATURE', reason: 'the signature is not the CA key\'s' };
  if (body.network !== network) return { ok: false, code: 'CERT_WRONG_NETWORK', reason: `issued for network ${JSON.stringify(body.network)}, not ${JSON.stringify(network)}` };
  if (now < body.notBefore) return { ok: false, code: 'CERT_NOT_YET_VALID', reason: `valid from ${new Date(body.notBefore).toISOString()}` };
  if (now >= body.notAfter) return { ok: false, code: 'CERT_EXPIRED', reason: `expired at ${new Date(body.notAfter).toISOString()}` };
  return { ok: true, body };
}
