/**
 * Known-answer vectors (vectors/wire-vectors.json): every vector's message encodes to its bytes
 * and its bytes decode to its message, in both encodings. The plain bytes were written by hand
 * from the format definition, so they check the encoder against the definition, not against
 * itself. The compressed bytes pin the current model and priors: after changing either, run
 * vectors/regenerate.ts and review the diff.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { messageFromJson, messageToJson, toHex } from '../../src/wire/json.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import { OBJECT_TYPES, type WireMessage } from '../../src/wire/types.js';
import type { JsonObject } from '../../src/wire/json.js';
import { readVectors, type Vector } from './vectors/vector-file.js';

const file = readVectors();
const REGENERATE = 'if the compressed model or priors changed on purpose: node dist/test/wire/vectors/regenerate.js';

function parse(v: Vector): WireMessage {
  const r = messageFromJson(v.message);
  if (!r.ok) assert.fail(`vector "${v.name}" has an invalid message: ${r.error.message}`);
  return r.value;
}

function decodeHex(hex: string): WireMessage {
  const r = decodeMessage(Buffer.from(hex, 'hex'));
  if (!r.ok) assert.fail(`${hex} does not decode: ${r.error.message}`);
  return r.value;
}

describe('known-answer vectors', () => {
  for (const v of file.vectors) {
    describe(v.name, () => {
      test('plain: encode gives the hand-written bytes, which decode to the message', () => {
        const m = parse(v);
        assert.equal(toHex(encodeMessage(m)), v.plain);
        const decoded = decodeHex(v.plain);
        assert.deepStrictEqual(messageToJson(decoded), v.message);
        assert.deepStrictEqual(decoded, m);
      });

      test('compressed: encode gives the recorded bytes, which decode to the message', () => {
        const m = parse(v);
        assert.equal(toHex(encodeMessage(m, { compressed: true })), v.compressed, REGENERATE);
        const decoded = decodeHex(v.compressed);
        assert.deepStrictEqual(messageToJson(decoded), v.message);
        assert.deepStrictEqual(decoded, m);
      });
    });
  }

  test('plain vectors start with 0x01, compressed ones with a byte >= 0x80', () => {
    for (const v of file.vectors) {
      assert.match(v.plain, /^01(?:[0-9a-f]{2})*$/, v.name);
      assert.match(v.compressed, /^[89a-f][0-9a-f](?:[0-9a-f]{2})*$/, `${v.name}: ${REGENERATE}`);
    }
  });

  test('the vectors cover every object type', () => {
    const seen = new Set<string>();
    const walk = (list: readonly JsonObject[]): void => {
      for (const o of list) {
        seen.add(o.type);
        if (o.type === 'list') walk(o.value as JsonObject[]);
      }
    };
    for (const v of file.vectors) walk(v.message.objects);
    assert.deepStrictEqual([...seen].sort(), [...OBJECT_TYPES].sort());
  });
});

describe('invalid plain vectors fail with their code', () => {
  for (const v of file.invalidPlain) {
    test(`${v.name}: ${v.code}`, () => {
      const r = decodeMessage(Buffer.from(v.hex, 'hex'));
      assert.equal(r.ok, false, `${v.hex} decoded`);
      if (!r.ok) {
        assert.equal(r.error.code, v.code, r.error.message);
        assert.equal(r.error.side, 'remote');
      }
    });
  }
});
