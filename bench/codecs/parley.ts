/** Parley's own encodings, plain and compressed, through `parley/wire`. */

import {
  decodeMessage,
  type DecodeResult,
  encodeMessage,
  type EncodeOptions,
  messageToJson,
  type WireMessage,
} from '../../src/wire/index.js';
import { codec, type Codec, difference } from './codec.js';

/** The two wire functions the Parley-based codecs use; injectable so the bench can be tried against another build. */
export interface WireFunctions {
  encodeMessage(m: WireMessage, options?: EncodeOptions): Uint8Array;
  decodeMessage(bytes: Uint8Array): DecodeResult<WireMessage>;
}

/** `parley/wire` itself. */
export const PARLEY_WIRE: WireFunctions = { encodeMessage, decodeMessage: (b) => decodeMessage(b) };

/** Parley plain (`compressed: false`) or compressed. */
export function parleyCodec(compressed: boolean, wire: WireFunctions = PARLEY_WIRE): Codec {
  return codec<WireMessage>({
    name: compressed ? 'parley-compressed' : 'parley-plain',
    prepare: (m) => m,
    encodeValue: (m) => wire.encodeMessage(m, { compressed }),
    decode: (b) => wire.decodeMessage(b),
    check: decodedMessageDifference,
  });
}

/** Compares a DecodeResult with the message encoded, by their JSON forms. */
export function decodedMessageDifference(m: WireMessage, decoded: unknown): string | null {
  const result = decoded as DecodeResult<WireMessage>;
  if (!result.ok) return `decode failed: ${result.error.message}`;
  return difference(messageToJson(result.value), messageToJson(m));
}
