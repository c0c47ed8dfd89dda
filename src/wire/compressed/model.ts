/**
 * The loaded model: priors expanded once, and one adaptive table each for the encoder and the
 * decoder (restored from the priors after every message).
 */

import { AdaptiveTable } from './adaptive-table.js';
import { PRED_SLOTS, TABLE_SLOTS, TEXT2_BASE } from './context.js';
import { PRIORS_V1_BASE64 } from './priors-v1.js';
import { expandPriors } from './priors.js';
import { RangeDecoder, RangeEncoder } from './range-coder.js';
import type { TextMatch } from './codec.js';
import { MessageHistory, TextDictionary } from './match-model.js';

/** The loaded model. */
export interface Model {
  readonly encoder: RangeEncoder;
  readonly decoder: RangeDecoder;
  readonly encoderText: TextMatch;
  readonly decoderText: TextMatch;
}

let loaded: Model | null = null;

/** The model, loaded on first use (a few milliseconds). */
export function model(): Model {
  if (loaded) return loaded;
  const { probs, counts, predictions, textDictionary } = expandPriors(new Uint8Array(Buffer.from(PRIORS_V1_BASE64, 'base64')), TABLE_SLOTS, TEXT2_BASE, PRED_SLOTS);
  const dictionary = new TextDictionary(textDictionary);
  loaded = {
    encoder: new RangeEncoder(new AdaptiveTable(probs, counts), predictions),
    decoder: new RangeDecoder(new AdaptiveTable(probs, counts), predictions),
    encoderText: { dictionary, history: new MessageHistory() },
    decoderText: { dictionary, history: new MessageHistory() },
  };
  return loaded;
}
