/**
 * `hello`: a client session names itself as an account's device with its device certificate,
 * which must be from the network's CA, valid now, and (over a real session) for the session's own
 * Noise key. The answer is `welcome` or a coded refusal; the supernode keeps the identity per
 * session and needs it for offline messages.
 */

import { verifyCertificate } from '../../login/certificate.js';
import { checkUsername } from '../../login/username.js';
import type { WireMessage } from '../../wire/index.js';
import { DirectoryError } from '../directory/messages.js';
import { Hello, Welcome } from './messages.js';
import type { ClientIdentity } from './offline-node.js';

/** The identity a hello proves (null if refused) and the reply to send. */
export function answerHello(m: WireMessage, ca: { readonly publicKey: Uint8Array; readonly network: string }, now: number, sessionKey: { readonly key: string } | 'unchecked'): { identity: ClientIdentity | null; reply: WireMessage } {
  const refuse = (code: string, reason: string): { identity: null; reply: WireMessage } => ({ identity: null, reply: DirectoryError.toMessage({ code, reason }, m.requestId) });
  const h = Hello.fromMessage(m);
  if (!h.ok) return refuse('BAD_CERTIFICATE', 'not a device certificate of this network');
  const c = verifyCertificate(h.value.certificate, ca.publicKey, ca.network, now);
  if (!c.ok) return refuse('BAD_CERTIFICATE', `${c.code}: ${c.reason}`);
  const key = c.body.username !== undefined ? checkUsername(c.body.username) : null;
  if (c.body.kind !== 'device' || !key?.ok || c.body.deviceId === undefined) return refuse('BAD_CERTIFICATE', 'not a device certificate of this network');
  if (sessionKey !== 'unchecked' && Buffer.from(c.body.noiseKey).toString('hex') !== sessionKey.key) return refuse('WRONG_KEY', "the certificate is not this session's key");
  return { identity: { accountKey: key.key, deviceId: c.body.deviceId }, reply: Welcome.toMessage({ accountKey: key.key }, m.requestId) };
}
