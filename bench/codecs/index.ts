/** Every format of the codec benchmark, by name. */

import type { Codec } from './codec.js';
import { brotliCodec } from './brotli.js';
import { cborCodec } from './cbor.js';
import { deflateDictCodec } from './deflate-dict.js';
import { jsonCodec } from './json.js';
import { msgpackCodec } from './msgpack.js';
import { parleyCodec, PARLEY_WIRE, type WireFunctions } from './parley.js';
import { protobufCodec } from './protobuf.js';

export type { Codec } from './codec.js';
export { buildDictionary, DEFLATE_DICTIONARY_MAX_BYTES } from './dictionary.js';
export { PARLEY_WIRE, type WireFunctions } from './parley.js';

/** Format names, in report order. */
export const FORMAT_NAMES = [
  'parley-plain',
  'parley-compressed',
  'json',
  'cbor',
  'msgpack',
  'protobuf',
  'deflate-raw-dict',
  'brotli',
] as const;

/** A format name. */
export type FormatName = (typeof FORMAT_NAMES)[number];

/** What the formats need: the deflate dictionary (built lazily), and the wire functions. */
export interface CodecSetup {
  readonly deflateDictionary: () => Uint8Array;
  readonly wire?: WireFunctions;
  readonly protoPath?: string;
}

/** The codec of one format. */
export function makeCodec(name: FormatName, setup: CodecSetup): Codec {
  const wire = setup.wire ?? PARLEY_WIRE;
  switch (name) {
    case 'parley-plain':
      return parleyCodec(false, wire);
    case 'parley-compressed':
      return parleyCodec(true, wire);
    case 'json':
      return jsonCodec();
    case 'cbor':
      return cborCodec();
    case 'msgpack':
      return msgpackCodec();
    case 'protobuf':
      return setup.protoPath === undefined ? protobufCodec() : protobufCodec(setup.protoPath);
    case 'deflate-raw-dict':
      return deflateDictCodec(setup.deflateDictionary(), wire);
    case 'brotli':
      return brotliCodec(wire);
  }
}

/** Whether a string names a format. */
export function isFormatName(s: string): s is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(s);
}
