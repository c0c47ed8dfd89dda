/** MessagePack with msgpackr: the natural binary form, integer map keys, native bin and 64-bit integers. */

import { Packr } from 'msgpackr';
import { codec, type Codec, difference } from './codec.js';
import { naturalBinary, type NaturalBinary } from './natural.js';

/** The MessagePack codec. */
export function msgpackCodec(): Codec {
  // Plain MessagePack: no record extension; maps decode to Maps; uint64 decodes to bigint.
  const packr = new Packr({ useRecords: false, mapsAsObjects: false, int64AsType: 'bigint' });
  return codec<NaturalBinary>({
    name: 'msgpack',
    prepare: naturalBinary,
    encodeValue: (v) => packr.pack(v),
    decode: (b) => packr.unpack(b) as unknown,
    check: (m, decoded) => difference(decoded, naturalBinary(m)),
  });
}
