/**
 * Brotli (RFC 7932) of the Parley plain encoding at quality 11 (with its built-in static
 * dictionary; no custom one); decode decompresses, then decodes.
 */

import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { WireMessage } from '../../src/wire/index.js';
import { codec, type Codec } from './codec.js';
import { decodedMessageDifference, PARLEY_WIRE, type WireFunctions } from './parley.js';

/** Window of 2^16 bytes: larger than any message, and the cheapest window to signal (one bit). */
const BROTLI_WINDOW_BITS = 16;

/** The brotli codec. */
export function brotliCodec(wire: WireFunctions = PARLEY_WIRE): Codec {
  return codec<WireMessage>({
    name: 'brotli',
    prepare: (m) => m,
    encodeValue: (m) => {
      const plain = wire.encodeMessage(m);
      return brotliCompressSync(plain, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
          [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_GENERIC,
        },
      });
    },
    decode: (b) => wire.decodeMessage(brotliDecompressSync(b)),
    check: decodedMessageDifference,
  });
}
