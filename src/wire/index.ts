/**
 * `parley/wire`: object-list messages in two encodings (plain and compressed), total decoders,
 * and typed schemas.
 */

export * from './types.js';
export * from './errors.js';
export * from './limits.js';
export { messageToJson, messageFromJson, toHex, type JsonMessage, type JsonObject } from './json.js';
export { formatIp, parseIp, canonicalHost, formatEndpoint, parseEndpoint } from './address.js';
export { encodeMessage, decodeMessage, type EncodeOptions, type DecodeOptions } from './message.js';
