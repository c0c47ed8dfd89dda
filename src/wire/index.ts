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
export { encodingOf, type WireEncoding } from './message.js';
export { formatTree, type TreeSource } from './tree.js';
export {
  defineMessage,
  defineProtocol,
  struct,
  field,
  optional,
  repeated,
  uint,
  uint64,
  fixed64,
  bool,
  enumeration,
  string,
  bytes,
  address,
  uintList,
  type Infer,
  type MessageSchema,
  type Protocol,
  type ProtocolMessage,
  type Struct,
  type FieldCodec,
  type Field,
} from './schema.js';
