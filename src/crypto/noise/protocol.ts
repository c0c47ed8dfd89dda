/** Section 8: protocol names, `Noise_<pattern>_<dh>_<cipher>_<hash>`. */

import { type HandshakePattern, PATTERNS } from './patterns.js';
import { CIPHER_FUNCTIONS, type CipherFunctions, DH_FUNCTIONS, type DhFunctions, HASH_FUNCTIONS, type HashFunctions } from './primitives.js';

/** A concrete protocol: pattern and primitives. */
export interface NoiseProtocol {
  readonly name: string;
  readonly pattern: HandshakePattern;
  readonly dh: DhFunctions;
  readonly cipher: CipherFunctions;
  readonly hash: HashFunctions;
}

/** The protocol a name describes, or why it is not supported. */
export function parseProtocolName(name: string): { ok: true; protocol: NoiseProtocol } | { ok: false; reason: string } {
  const parts = name.split('_');
  if (parts.length !== 5 || parts[0] !== 'Noise') return { ok: false, reason: `not a Noise protocol name: ${name}` };
  const [, patternName, dhName, cipherName, hashName] = parts as [string, string, string, string, string];
  const pattern = PATTERNS[patternName];
  if (!pattern) return { ok: false, reason: `pattern ${patternName} (modifiers such as psk and fallback are not implemented)` };
  const dh = DH_FUNCTIONS[dhName];
  if (!dh) return { ok: false, reason: `DH function ${dhName}` };
  const cipher = CIPHER_FUNCTIONS[cipherName];
  if (!cipher) return { ok: false, reason: `cipher ${cipherName}` };
  const hash = HASH_FUNCTIONS[hashName];
  if (!hash) return { ok: false, reason: `hash ${hashName}` };
  return { ok: true, protocol: { name, pattern, dh, cipher, hash } };
}
