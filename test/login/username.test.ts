import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { checkUsername, USERNAME_MAX_CHARS } from '../../src/login/username.js';

const key = (s: string): string | null => {
  const c = checkUsername(s);
  return c.ok ? c.key : null;
};
const refusal = (s: string): string => {
  const c = checkUsername(s);
  return c.ok ? 'ok' : c.code;
};

describe('usernames', () => {
  test('accepted names in several scripts; display keeps the case, the key folds it', () => {
    for (const name of ['alice', 'Alice.Smith', 'bob_42', 'jean-luc', 'Zoë', 'Мария', 'ελένη', '山田太郎', 'やまだ', 'محمد', 'x1']) {
      assert.equal(refusal(name), 'ok', name);
    }
    const c = checkUsername('Alice.Smith');
    assert.ok(c.ok && c.display === 'Alice.Smith' && c.key === 'alice.smith');
  });

  test('compatibility forms and case differences are the same name', () => {
    assert.equal(key('ＡＬＩＣＥ'), key('alice')); // full-width letters (NFKC)
    assert.equal(key('ALICE'), key('alice'));
    assert.equal(key('Zoe\u0308'), key('zoë')); // combining diaeresis vs precomposed
    assert.equal(key('ﬁona'), key('fiona')); // the fi ligature
    assert.equal(key('ΟΔΟΣ'), key('οδοσ')); // a capital sigma lowers to final ς at the end; folding makes it σ
  });

  test('every refusal says why, with a stable code', () => {
    assert.equal(refusal(''), 'USERNAME_EMPTY');
    assert.equal(refusal('   '), 'USERNAME_EMPTY');
    assert.equal(refusal('a'), 'USERNAME_TOO_SHORT');
    assert.equal(refusal('a'.repeat(USERNAME_MAX_CHARS + 1)), 'USERNAME_TOO_LONG');
    // 17 four-byte characters fit the character limit but not the certificate's 64 bytes.
    assert.equal(refusal('\u{20000}'.repeat(17)), 'USERNAME_TOO_LONG');
    assert.equal(checkUsername('\u{20000}'.repeat(16)).ok, true);
    assert.equal(refusal('al ice'), 'USERNAME_BAD_CHARACTER');
    assert.equal(refusal('alice@home'), 'USERNAME_BAD_CHARACTER');
    assert.equal(refusal('ali\u200bce'), 'USERNAME_BAD_CHARACTER'); // zero-width space
    assert.equal(refusal('.alice'), 'USERNAME_BAD_EDGE');
    assert.equal(refusal('alice-'), 'USERNAME_BAD_EDGE');
    assert.equal(refusal('al..ice'), 'USERNAME_DOUBLE_PUNCTUATION');
    assert.equal(refusal('pаypal'), 'USERNAME_MIXED_SCRIPTS'); // a Cyrillic "а" among Latin letters
    const c = checkUsername('al ice');
    assert.ok(!c.ok && c.reason.includes('U+0020'));
  });

  test('checking is total and stable: any string gives a verdict, and an accepted key checks to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const c = checkUsername(s);
        if (c.ok) {
          const again = checkUsername(c.display);
          assert.ok(again.ok && again.key === c.key);
        }
      }),
      { seed: 32, numRuns: 2000 },
    );
  });
});
