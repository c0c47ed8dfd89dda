/**
 * deflate-raw (RFC 1951) of the Parley plain encoding, level 9, with a preset dictionary built
 * from training messages (dictionary.ts); decode inflates with the same dictionary, then decodes.
 */

import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { WireMessage } from '../../src/wire/index.js';
import { codec, type Codec } from './codec.js';
import { decodedMessageDifference, PARLEY_WIRE, type WireFunctions } from './parley.js';

/** The deflate-raw-with-dictionary codec. */
export function deflateDictCodec(dictionary: Uint8Array, wire: WireFunctions = PARLEY_WIRE): Codec {
  // Window 2^15: the whole 32 KiB dictionary stays reachable; memLevel 9: the best match finder.
  const options = { level: constants.Z_BEST_COMPRESSION, windowBits: 15, memLevel: 9, dictionary };
  return codec<WireMessage>({
    name: 'deflate-raw-dict',
    prepare: (m) => m,
    encodeValue: (m) => deflateRawSync(wire.encodeMessage(m), options),
    decode: (b) => wire.decodeMessage(inflateRawSync(b, { windowBits: 15, dictionary })),
    check: decodedMessageDifference,
  });
}
