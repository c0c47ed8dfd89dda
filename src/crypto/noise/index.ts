/** The Noise Protocol Framework, revision 34, on node:crypto. */
export * from './errors.js';
export * from './primitives.js';
export { CipherState, NONCE_MAX } from './cipher-state.js';
export { SymmetricState } from './symmetric-state.js';
export { PATTERNS, type HandshakePattern, type Token } from './patterns.js';
export { parseProtocolName, type NoiseProtocol } from './protocol.js';
export { HandshakeState, type HandshakeOptions, type HandshakeResult } from './handshake-state.js';
export { runNoiseVectors, type VectorReport } from './vectors.js';
