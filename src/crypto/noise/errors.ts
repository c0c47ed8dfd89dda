/** Coded errors of the Noise layer. A decryption failure is a remote error; misuse is local. */

/** Every stable Noise error code. */
export const NOISE_ERROR_CODES = ['NOISE_DECRYPT_FAILED', 'NOISE_BAD_MESSAGE', 'NOISE_STATE', 'NOISE_NONCE_EXHAUSTED', 'NOISE_UNSUPPORTED', 'NOISE_BAD_KEY'] as const;

/** A stable Noise error code. */
export type NoiseErrorCode = (typeof NOISE_ERROR_CODES)[number];

/** A coded Noise error. */
export class NoiseError extends Error {
  override readonly name = 'NoiseError';
  constructor(
    readonly code: NoiseErrorCode,
    message: string,
    readonly side: 'remote' | 'local' = 'remote',
  ) {
    super(`${code}: ${message}`);
  }
}
