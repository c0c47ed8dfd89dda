/**
 * The model's tables: the trained priors (read-only) and one working copy each for the encoder
 * and the decoder, restored from the priors after every message through the coders' undo logs.
 */

import { TABLE_SLOTS } from './context.js';
import { PRIORS_V1_BASE64 } from './priors-v1.js';
import { expandPriors } from './priors.js';
import { RangeDecoder, RangeEncoder, UndoLog } from './range-coder.js';

/** The loaded model. */
export interface Model {
  readonly prior: Uint16Array;
  readonly encoder: RangeEncoder;
  readonly decoder: RangeDecoder;
}

let loaded: Model | null = null;

/** The model, loaded on first use (a few milliseconds). */
export function model(): Model {
  if (loaded) return loaded;
  const prior = expandPriors(new Uint8Array(Buffer.from(PRIORS_V1_BASE64, 'base64')), TABLE_SLOTS);
  loaded = {
    prior,
    encoder: new RangeEncoder(prior.slice(), new UndoLog()),
    decoder: new RangeDecoder(prior.slice(), new UndoLog()),
  };
  return loaded;
}
