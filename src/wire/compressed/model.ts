/**
 * The loaded model: priors expanded once, and one adaptive table each for the encoder and the
 * decoder (restored from the priors after every message).
 */

import { AdaptiveTable } from './adaptive-table.js';
import { MATCH_BASE, MATCH_SLOTS, PRED_SLOTS, TABLE_SLOTS, TEXT2_BASE } from './context.js';
import { PRIORS_V1_BASE64 } from './priors-v1.js';
import { expandPriors } from './priors.js';
import { RangeDecoder, RangeEncoder } from './range-coder.js';
import { DecodeWalk, WalkState } from './walk-state.js';
import { MessageHistory, TextDictionary } from './match-model.js';

/** The loaded model. */
export interface Model {
  readonly encoder: RangeEncoder;
  readonly decoder: RangeDecoder;
  readonly encoderWalk: WalkState;
  readonly decoderWalk: DecodeWalk;
}

let loaded: Model | null = null;

/** The model, loaded on first use (a few milliseconds). */
export function model(): Model {
  if (loaded) return loaded;
  const { probs, predictions, textDictionary } = expandPriors(new Uint8Array(Buffer.from(PRIORS_V1_BASE64, 'base64')), TABLE_SLOTS, TEXT2_BASE, PRED_SLOTS);
  const dictionary = new TextDictionary(textDictionary);
  loaded = {
    encoder: new RangeEncoder(new AdaptiveTable(probs, MATCH_BASE, MATCH_SLOTS), predictions),
    decoder: new RangeDecoder(new AdaptiveTable(probs, MATCH_BASE, MATCH_SLOTS), predictions),
    encoderWalk: new WalkState(dictionary, new MessageHistory()),
    decoderWalk: new DecodeWalk(dictionary, new MessageHistory()),
  };
  return loaded;
}
