/**
 * The secret files of a network directory: the CA's Ed25519 seed and the login server's Noise
 * static key. Written once, mode 0600, never overwritten; read with coded errors.
 */

import { readFileSync, statSync, writeFileSync } from 'node:fs';

/** File names inside a network directory. */
export const CA_KEY_FILE = 'ca.key';
export const LOGIN_SERVER_KEY_FILE = 'login-server.key';
export const NETWORK_FILE = 'network.json';
/** Mode of secret files: read and write for the owner only. */
export const SECRET_FILE_MODE = 0o600;

/** A secret key file's contents. */
interface KeyFile {
  readonly type: 'parley-ca-key' | 'parley-noise-static';
  readonly version: 1;
  /** 32 bytes, hex. */
  readonly secret: string;
}

/** Why a key file could not be read. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(
    readonly code: 'KEY_FILE_MISSING' | 'KEY_FILE_INVALID' | 'KEY_FILE_EXPOSED',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Writes a new secret file (mode 0600); fails if the file exists. */
export function writeSecretKey(path: string, type: KeyFile['type'], secret: Uint8Array): void {
  const file: KeyFile = { type, version: 1, secret: Buffer.from(secret).toString('hex') };
  writeFileSync(path, `${JSON.stringify(file)}\n`, { mode: SECRET_FILE_MODE, flag: 'wx' });
}

/** Reads a secret file of `type`; refuses one that others can read. */
export function readSecretKey(path: string, type: KeyFile['type']): Uint8Array {
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0) throw new KeyFileError('KEY_FILE_EXPOSED', `${path} can be read by others (chmod 600 it)`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    throw new KeyFileError('KEY_FILE_MISSING', `cannot read ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyFileError('KEY_FILE_INVALID', `${path} is not JSON`);
  }
  const f = parsed as Partial<KeyFile> | null;
  if (f?.type !== type || f.version !== 1 || typeof f.secret !== 'string' || !/^[0-9a-f]{64}$/.test(f.secret)) {
    throw new KeyFileError('KEY_FILE_INVALID', `${path} is not a ${type} file`);
  }
  return new Uint8Array(Buffer.from(f.secret, 'hex'));
}
