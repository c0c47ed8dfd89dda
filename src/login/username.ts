/**
 * Usernames. What a person types is NFKC-normalised (so compatibility forms such as full-width
 * letters or ligatures become their plain forms) and compared case-insensitively (Unicode default
 * case folding, approximated by toLowerCase after NFKC; RFC 8265's UsernameCaseMapped profile is
 * the model). The alphabet is letters and digits of any script, and ".", "_", "-" inside the name.
 */

/** Shortest and longest username, in code points after normalisation. */
export const USERNAME_MIN_CHARS = 2;
export const USERNAME_MAX_CHARS = 32;
/** Longest username in UTF-8 bytes (display and key form): what a certificate's username field holds. */
export const USERNAME_MAX_BYTES = 64;

/** Why a username was refused. */
export type UsernameRefusal =
  | 'USERNAME_EMPTY'
  | 'USERNAME_TOO_SHORT'
  | 'USERNAME_TOO_LONG'
  | 'USERNAME_BAD_CHARACTER'
  | 'USERNAME_BAD_EDGE'
  | 'USERNAME_DOUBLE_PUNCTUATION'
  | 'USERNAME_MIXED_SCRIPTS';

/** The outcome of checking a username. */
export type UsernameCheck =
  | { readonly ok: true; readonly display: string; readonly key: string }
  | { readonly ok: false; readonly code: UsernameRefusal; readonly reason: string };

const LETTER_OR_DIGIT = /^[\p{L}\p{M}\p{Nd}]$/u;
const PUNCTUATION = /^[._-]$/;
/** Scripts a name may not mix (beyond Common and Inherited), to keep look-alikes apart (UTS #39's idea). */
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Arabic', 'Hebrew', 'Han', 'Hiragana', 'Katakana', 'Hangul', 'Devanagari', 'Thai'] as const;
const SCRIPT_RE = SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const);
/** Scripts that are written together (Japanese mixes Han with kana). */
const COMPATIBLE = new Set(['Han+Hiragana', 'Han+Katakana', 'Hiragana+Katakana', 'Han+Hiragana+Katakana']);

function refuse(code: UsernameRefusal, reason: string): UsernameCheck {
  return { ok: false, code, reason };
}

/**
 * Checks a username. On success: `display`, the NFKC form to show, and `key`, its case-folded form
 * that must be unique in a network.
 */
export function checkUsername(input: string): UsernameCheck {
  const display = input.normalize('NFKC').trim();
  const chars = [...display];
  if (chars.length === 0) return refuse('USERNAME_EMPTY', 'a username is needed');
  if (chars.length < USERNAME_MIN_CHARS) return refuse('USERNAME_TOO_SHORT', `a username has at least ${USERNAME_MIN_CHARS} characters`);
  if (chars.length > USERNAME_MAX_CHARS) return refuse('USERNAME_TOO_LONG', `a username has at most ${USERNAME_MAX_CHARS} characters`);
  for (const c of chars) {
    if (!LETTER_OR_DIGIT.test(c) && !PUNCTUATION.test(c)) {
      return refuse('USERNAME_BAD_CHARACTER', `${JSON.stringify(c)} (U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}) is not allowed: use letters, digits, and . _ - inside the name`);
    }
  }
  if (PUNCTUATION.test(chars[0] as string) || PUNCTUATION.test(chars[chars.length - 1] as string)) {
    return refuse('USERNAME_BAD_EDGE', 'a username starts and ends with a letter or a digit');
  }
  for (let i = 1; i < chars.length; i++) {
    if (PUNCTUATION.test(chars[i] as string) && PUNCTUATION.test(chars[i - 1] as string)) {
      return refuse('USERNAME_DOUBLE_PUNCTUATION', 'a username has no two of . _ - in a row');
    }
  }
  const used = SCRIPT_RE.filter(([, re]) => re.test(display)).map(([s]) => s);
  if (used.length > 1 && !COMPATIBLE.has(used.join('+'))) {
    return refuse('USERNAME_MIXED_SCRIPTS', `a username is written in one script, not ${used.join(' and ')} together (look-alike letters)`);
  }
  // Case folding maps final sigma to sigma; toLowerCase picks the final form by context, so fold it here.
  const key = display.toLowerCase().normalize('NFKC').replace(/\u03c2/gu, '\u03c3');
  if (Buffer.byteLength(display) > USERNAME_MAX_BYTES || Buffer.byteLength(key) > USERNAME_MAX_BYTES) {
    return refuse('USERNAME_TOO_LONG', `a username has at most ${USERNAME_MAX_BYTES} bytes in UTF-8`);
  }
  return { ok: true, display, key };
}
