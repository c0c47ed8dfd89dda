/**
 * The loaded model: priors expanded once, and one adaptive table each for the encoder and the
 * decoder (restored from the priors after every message).
 */

import { AdaptiveTable } from './adaptive-table.js';
import { TABLE_SLOTS, TEXT2_BASE } from './context.js';
import { PRIORS_V1_BASE64 } from './priors-v1.js';
import { expandPriors } from './priors.js';
import { RangeDecoder, RangeEncoder } from './range-coder.js';

/** The loaded model. */
export interface Model {
  readonly encoder: RangeEncoder;
  readonly decoder: RangeDecoder;
}

let loaded: Model | null = null;

/** The model, loaded on first use (a few milliseconds). */
export function model(): Model {
  if (loaded) return loaded;
  const { probs, counts } = expandPriors(new Uint8Array(Buffer.from(PRIORS_V1_BASE64, 'base64')), TABLE_SLOTS, TEXT2_BASE);
  loaded = {
    encoder: new RangeEncoder(new AdaptiveTable(probs, counts)),
    decoder: new RangeDecoder(new AdaptiveTable(probs, counts)),
  };
  return loaded;
}
