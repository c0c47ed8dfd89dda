/** JSON: the natural JSON form as UTF-8 text; decode is JSON.parse. */

import { codec, type Codec, difference } from './codec.js';
import { naturalJson, type NaturalJson } from './natural.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The JSON codec. */
export function jsonCodec(): Codec {
  return codec<NaturalJson>({
    name: 'json',
    prepare: naturalJson,
    encodeValue: (v) => utf8.encode(JSON.stringify(v)),
    decode: (b) => JSON.parse(utf8Decoder.decode(b)) as unknown,
    check: (m, decoded) => difference(decoded, naturalJson(m)),
  });
}
