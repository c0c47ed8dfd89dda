/** CBOR (RFC 8949) with cbor-x: the natural binary form, integer map keys, native byte strings and bigints. */

import { Encoder } from 'cbor-x';
import { codec, type Codec, difference } from './codec.js';
import { naturalBinary, type NaturalBinary } from './natural.js';

/** The CBOR codec. */
export function cborCodec(): Codec {
  // Plain CBOR: no record extension, no tag on Uint8Array, maps decode to Maps (integer keys kept).
  const cbor = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
  return codec<NaturalBinary>({
    name: 'cbor',
    prepare: naturalBinary,
    encodeValue: (v) => cbor.encode(v),
    decode: (b) => cbor.decode(b) as unknown,
    check: (m, decoded) => difference(decoded, naturalBinary(m)),
  });
}
