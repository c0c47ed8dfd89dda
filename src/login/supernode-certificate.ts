/** Supernode certificates in "managed" mode: the operator's CA signs a supernode's key and endpoints. */

import { randomInt } from 'node:crypto';

import type { SigningKey } from '../crypto/ed25519.js';
import { issueCertificate } from './certificate.js';

/** Default validity of an operator-issued supernode certificate: 30 days. */
export const SUPERNODE_CERTIFICATE_VALIDITY_MS = 30 * 24 * 60 * 60 * 1000;
/** Most endpoints a supernode certificate names. */
export const SUPERNODE_ENDPOINTS_MAX = 8;
const ENDPOINT = /^(udp|tcp):(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):([0-9]{1,5})$/;

/** What a supernode certificate says. */
export interface SupernodeCertificateRequest {
  readonly network: string;
  /** The supernode's Noise static key (X25519, 32 bytes). */
  readonly noiseKey: Uint8Array;
  readonly endpoints: readonly string[];
  readonly notBefore: number;
  readonly validityMs?: number;
}

/** Why a supernode certificate was not issued. */
export class SupernodeCertificateError extends Error {
  override readonly name = 'SupernodeCertificateError';
  readonly code = 'SUPERNODE_REQUEST_INVALID';
}

/** Issues a supernode certificate; throws SupernodeCertificateError for a bad request. */
export function issueSupernodeCertificate(ca: SigningKey, r: SupernodeCertificateRequest): Uint8Array {
  if (r.noiseKey.length !== 32) throw new SupernodeCertificateError('the Noise key has 32 bytes (64 hex digits)');
  if (r.endpoints.length === 0 || r.endpoints.length > SUPERNODE_ENDPOINTS_MAX) throw new SupernodeCertificateError(`name 1 to ${SUPERNODE_ENDPOINTS_MAX} endpoints`);
  for (const e of r.endpoints) {
    const m = ENDPOINT.exec(e);
    if (!m || Number(m[3]) > 0xffff) throw new SupernodeCertificateError(`${JSON.stringify(e)} is not "udp:host:port" or "tcp:host:port"`);
  }
  const validity = r.validityMs ?? SUPERNODE_CERTIFICATE_VALIDITY_MS;
  return issueCertificate(ca, {
    kind: 'supernode',
    network: r.network,
    noiseKey: r.noiseKey,
    notBefore: r.notBefore,
    notAfter: r.notBefore + validity,
    serial: randomInt(1, 2 ** 48),
    endpoints: [...r.endpoints],
  });
}
