/**
 * Composes chat texts and mood texts from the vocabularies: templates filled with random words,
 * a few sentences for long messages, emoji where the category asks for them.
 */

import type { Prng } from '../../../src/util/prng.js';
import { EMOJI, type Language, VOCABULARIES, type Vocabulary } from './languages.js';

/** What a chat text should look like: its language, and for English whether emoji may appear. */
export type TextStyle = { readonly language: Language; readonly emoji: boolean };

/** Longest long message, in sentences. */
const LONG_SENTENCES_MAX = 7;
/** Shortest long message, in sentences. */
const LONG_SENTENCES_MIN = 3;

/** Fills every {slot} of a template with a random word of that slot. */
export function fill(template: string, vocabulary: Vocabulary, prng: Prng): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    const words = vocabulary.slots[slot];
    if (!words) throw new Error(`no slot '${slot}' in the vocabulary`);
    return prng.pick(words);
  });
}

/** A short chat text ("ok", "on my way", an emoji...). */
export function shortText(style: TextStyle, prng: Prng): string {
  const vocabulary = VOCABULARIES[style.language];
  if (style.emoji && prng.chance(0.5)) return emojiRun(prng, prng.int(1, 3));
  const text = prng.chance(0.7) ? prng.pick(vocabulary.short) : fill(prng.pick(vocabulary.shortTemplates), vocabulary, prng);
  return wantsEmoji(style, prng) ? `${text} ${emojiRun(prng, prng.int(1, 2))}` : text;
}

/** A long chat text: several sentences, now and then split into paragraphs. */
export function longText(style: TextStyle, prng: Prng): string {
  const vocabulary = VOCABULARIES[style.language];
  const count = prng.int(LONG_SENTENCES_MIN, LONG_SENTENCES_MAX);
  let text = '';
  for (let i = 0; i < count; i++) {
    let sentence = capitalize(fill(prng.pick(vocabulary.templates), vocabulary, prng));
    if (wantsEmoji(style, prng)) sentence += vocabulary.sentenceGap + emojiRun(prng, 1);
    if (i > 0) text += prng.chance(0.12) ? '\n\n' : vocabulary.sentenceGap;
    text += sentence;
  }
  return text;
}

/** A mood text in the user's language; sometimes with an emoji, unless the user writes ASCII only. */
export function moodText(language: Language, asciiOnly: boolean, prng: Prng): string {
  const vocabulary = VOCABULARIES[language];
  const mood = capitalizeIf(language, fill(prng.pick(vocabulary.moods), vocabulary, prng), prng.chance(0.5));
  return !asciiOnly && prng.chance(0.2) ? `${mood} ${emojiRun(prng, 1)}` : mood;
}

function wantsEmoji(style: TextStyle, prng: Prng): boolean {
  // English with emoji uses them often; the other languages now and then; ASCII English never.
  if (style.language === 'en') return style.emoji && prng.chance(0.6);
  return prng.chance(0.15);
}

function emojiRun(prng: Prng, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += prng.pick(EMOJI);
  return out;
}

function capitalize(s: string): string {
  // Spanish sentences may open with ¡ or ¿; the letter after it is the one to raise.
  const at = /^[¡¿]/.test(s) ? 1 : 0;
  const first = s.codePointAt(at);
  if (first === undefined) return s;
  const head = String.fromCodePoint(first);
  return s.slice(0, at) + head.toUpperCase() + s.slice(at + head.length);
}

function capitalizeIf(language: Language, s: string, yes: boolean): string {
  return yes && language !== 'zh' && language !== 'ja' ? capitalize(s) : s;
}
