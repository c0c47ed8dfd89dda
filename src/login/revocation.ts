/**
 * The signed revocation list supernodes fetch: every revoked device (account, device id, when),
 * the time it was made, and the CA's signature over "parley revocation list v1" || 0x00 || the
 * plain encoding of the list.
 */

import { ed25519Sign, ed25519Verify, type SigningKey } from '../crypto/ed25519.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { bytes, defineMessage, field, type Infer, repeated, string, struct, uint } from '../wire/schema.js';
import type { LoginStore } from './store/login-store.js';

/** Command ids of the revocation list messages. */
export const REVOCATION_LIST_BODY_COMMAND = 0x0102;
export const REVOCATION_LIST_COMMAND = 0x0103;
/** The domain-separation prefix of revocation list signatures. */
export const REVOCATION_SIGNATURE_DOMAIN = Buffer.from('parley revocation list v1\0', 'ascii');

const entry = struct({ account: field(1, string({ minBytes: 1, maxBytes: 128 })), deviceId: field(2, bytes(16)), revokedAt: field(3, uint()) });
const bodyFields = { network: field(1, string({ minBytes: 1, maxBytes: 63 })), issuedAt: field(2, uint()), entries: repeated(3, entry) };
const RevocationListBody = defineMessage('revocation-list-body', REVOCATION_LIST_BODY_COMMAND, bodyFields);
const RevocationList = defineMessage('revocation-list', REVOCATION_LIST_COMMAND, { body: field(1, struct(bodyFields)), signature: field(2, bytes(64)) });
/** A revocation list's contents. */
export type RevocationListBody = Infer<typeof bodyFields>;

const signed = (body: RevocationListBody): Uint8Array => Buffer.concat([REVOCATION_SIGNATURE_DOMAIN, encodeMessage(RevocationListBody.toMessage(body))]);

/** The current revocation list, signed. */
export async function makeRevocationList(store: LoginStore, ca: SigningKey, network: string, now: number): Promise<Uint8Array> {
  const entries = (await store.listRevoked()).map((r) => ({ account: r.accountKey, deviceId: r.deviceId, revokedAt: r.revokedAt }));
  const body: RevocationListBody = { network, issuedAt: now, entries };
  return encodeMessage(RevocationList.toMessage({ body, signature: ed25519Sign(ca, signed(body)) }));
}

/** The list's contents if the CA signed it for `network`, else null. */
export function readRevocationList(bytesIn: Uint8Array, caPublicKey: Uint8Array, network: string): RevocationListBody | null {
  const decoded = decodeMessage(bytesIn);
  if (!decoded.ok) return null;
  const list = RevocationList.fromMessage(decoded.value);
  if (!list.ok || list.value.body.network !== network) return null;
  return ed25519Verify(caPublicKey, signed(list.value.body), list.value.signature) ? list.value.body : null;
}
