/**
 * The compressed encoding: the object list walked in canonical order, every decision coded under
 * a context made from where it is (command, enclosing list, object id). See docs/wire.md.
 *
 * Per object: the successor prediction (or the another-object flag, id delta and type) under
 * (list, previous id); then the value under (list, id). Integers can be predicted or coded as a
 * difference to the field's previous value or the message's last large one; strings go through the
 * match model (match-model.ts) and, on a miss, the order-2/order-1 text model; addresses share
 * prefixes with earlier ones; blob contents and random address tails are raw bytes; earlier strings
 * and blobs of the message can be referred to instead of repeated. The encoder side is shared with
 * the priors trainer (train.ts); the decoder side mirrors it (its text loop is RangeDecoder.decodeText).
 */

import { isUtf8 } from 'node:buffer';
import { formatIp } from '../address.js';
import {
  canonicalOrder,
  checkAddress,
  checkBlob,
  checkCommand,
  checkFixed64,
  checkObjectId,
  checkRequestId,
  checkString,
  checkUInt,
} from '../check.js';
import { WireError } from '../errors.js';
import type { WireLimits } from '../limits.js';
import { OBJECT_ID_MAX, OBJECT_TYPES, type UInt, type WireMessage, type WireObject } from '../types.js';
import {
  ADDRESS_MODELLED_BYTES_V4,
  ADDRESS_MODELLED_BYTES_V6,
  MATCH_BASE,
  mix,
  NO_PREDICTION,
  REPEAT_MIN_BYTES,
  slot,
  TAG,
  textContext,
  TEXT_START,
  DELTA_SAVING_MIN_BITS,
} from './context.js';
import { type BitDecoder, type BitEncoder, decodeTree, decodeUInt, encodeTree, encodeUInt, numberBitLength } from './numbers.js';
import { model } from './model.js';
import { advanceMatch, findMatch, MATCH_RUN_MAX, matchByte, matchContext, matchHash, NO_MATCH } from './match-model.js';
import { type DecodeWalk, type WalkState } from './walk-state.js';

/** Context of the top-level list of a command. */
const rootContext = (command: number): number => mix(TAG.list, command);
/** Previous-id key used before the first object of a list. */
const FIRST = OBJECT_ID_MAX + 1;

// ---------------------------------------------------------------------------------------------
// Encoding

/** Walks `m` and codes it into `e` (a range encoder, or the trainer's counter). */
export function walkEncode(e: BitEncoder, m: WireMessage, s: WalkState): void {
  const command = checkCommand(m.command);
  encodeUInt(e, TAG.command, command);
  encodeUInt(e, mix(TAG.requestId, command), checkRequestId(m.requestId));
  s.begin();
  encodeList(e, m.objects, rootContext(command), s, 1);
}

/** The successor symbol of a list position: 0 = end of list, else 1 + (id delta << 3 | type). */
const successor = (delta: number, type: number): number => 1 + delta * 8 + type;

function encodeList(e: BitEncoder, list: readonly WireObject[], ctx: number, s: WalkState, depth: number): void {
  const objects = canonicalOrder(list, depth);
  let prev = FIRST;
  let prevId = 0;
  for (const o of objects) {
    const id = checkObjectId(o.id);
    const type = OBJECT_TYPES.indexOf(o.type);
    if (type < 0) throw new WireError('WIRE_BAD_VALUE', `unknown object type ${String(o.type)}`, 'local');
    const h = mix(ctx, prev);
    const c = mix(ctx, id);
    if (!e.predict(mix(h, TAG.successor), successor(id - prevId, type))) {
      e.bit(slot(h, 0), 1);
      encodeUInt(e, mix(h, TAG.delta), id - prevId);
      encodeTree(e, mix(c, TAG.type), 3, type);
    }
    encodeValue(e, o, c, s, depth);
    prev = id;
    prevId = id;
  }
  const h = mix(ctx, prev);
  if (!e.predict(mix(h, TAG.successor), 0)) e.bit(slot(h, 0), 0);
}

function encodeValue(e: BitEncoder, o: WireObject, c: number, s: WalkState, depth: number): void {
  switch (o.type) {
    case 'uint':
      encodeNumber(e, c, checkUInt(o.value), s);
      return;
    case 'fixed64': {
      const v = checkFixed64(o.value);
      encodeUInt(e, mix(c, TAG.fixed64), v);
      return;
    }
    case 'address':
      encodeAddress(e, c, o.value, s);
      return;
    case 'string':
      encodeString(e, c, checkString(o.value), s);
      return;
    case 'blob':
      encodeBlob(e, c, checkBlob(o.value), s);
      return;
    case 'list':
      encodeList(e, o.value, mix(c, TAG.list), s, depth + 1);
      return;
    case 'uintList': {
      if (!Array.isArray(o.value)) throw new WireError('WIRE_BAD_VALUE', 'uintList must be an array', 'local');
      encodeUInt(e, mix(c, TAG.count), o.value.length);
      const he = mix(c, TAG.element);
      for (const v of o.value) encodeUInt(e, he, checkUInt(v));
      return;
    }
  }
}

/**
 * A uint: plain, or as a signed difference to this field's previous value (the next device's
 * serial, the next candidate's priority) or to the message's last large integer (notAfter after
 * notBefore), whichever is shortest.
 */
function encodeNumber(e: BitEncoder, c: number, v: UInt, s: WalkState): void {
  const fieldRef = s.fieldRefs.get(c);
  const globalRef = s.globalRef;
  if (fieldRef >= 0 || globalRef >= 0) {
    let kind = 0;
    let ref = 0;
    if (typeof v === 'number') {
      let best = numberBitLength(v) - DELTA_SAVING_MIN_BITS;
      if (fieldRef >= 0 && numberBitLength(Math.abs(v - fieldRef)) < best) {
        kind = 1;
        ref = fieldRef;
        best = numberBitLength(Math.abs(v - fieldRef));
      }
      if (globalRef >= 0 && globalRef !== fieldRef && numberBitLength(Math.abs(v - globalRef)) < best) {
        kind = 2;
        ref = globalRef;
      }
    }
    const hr = mix(c, TAG.numberRef);
    e.bit(slot(hr, 0), kind === 0 ? 0 : 1);
    if (kind !== 0) {
      if (fieldRef >= 0 && globalRef >= 0 && globalRef !== fieldRef) e.bit(slot(hr, 1), kind - 1);
      const d = (v as number) - ref;
      e.bit(slot(hr, 2 + kind), d < 0 ? 1 : 0);
      encodeUInt(e, mix(hr, kind), Math.abs(d));
      s.rememberNumber(c, v);
      return;
    }
  }
  encodeUInt(e, c, v);
  s.rememberNumber(c, v);
}

/** Longest prefix `ip` shares with an address of `window`: [length, distance back from the newest]. */
function bestPrefix(ip: Uint8Array, window: readonly Uint8Array[]): [number, number] {
  let bestK = 0;
  let bestBack = 0;
  for (let back = 0; back < window.length; back++) {
    const a = window[window.length - 1 - back] as Uint8Array;
    let k = 0;
    while (k < ip.length && ip[k] === a[k]) k++;
    if (k > bestK) {
      bestK = k;
      bestBack = back;
    }
  }
  return [bestK, bestBack];
}

function encodeAddress(e: BitEncoder, c: number, value: unknown, s: WalkState): void {
  const { ip, port } = checkAddress(value);
  const v6 = ip.length === 16 ? 1 : 0;
  const ha = mix(c, TAG.family);
  e.bit(slot(ha, 0), v6);
  const window = v6 ? s.addresses6 : s.addresses4;
  let k = 0;
  if (window.length > 0) {
    const [shared, back] = bestPrefix(ip, window);
    k = shared;
    encodeTree(e, mix(ha, TAG.prefix), 5, k);
    if (k > 0) encodeTree(e, mix(ha, TAG.addressRef), 3, back);
  }
  const modelled = v6 ? ADDRESS_MODELLED_BYTES_V6 : ADDRESS_MODELLED_BYTES_V4;
  let j = k;
  for (; j < modelled; j++) encodeTree(e, mix(mix(TAG.addressByte, v6 * 16 + j), j > 0 ? (ip[j - 1] as number) : 256), 8, ip[j] as number);
  if (j < ip.length) e.rawBytes(ip, j, ip.length);
  s.rememberAddress(window, ip);
  if (s.lastPort >= 0) {
    const same = port === s.lastPort ? 1 : 0;
    e.bit(slot(mix(c, TAG.portSame), 0), same);
    if (same) return;
  }
  s.lastPort = port;
  if (e.predict(mix(c, TAG.port), port)) return;
  // Well-known ports were predicted; what is left is mostly ephemeral (RFC 6335 puts those at
  // 49152-65535): the high byte is worth modelling, the low byte is raw.
  encodeTree(e, mix(c, TAG.portHigh), 8, port >> 8);
  portScratch[0] = port & 0xff;
  e.rawBytes(portScratch, 0, 1);
}

const portScratch = new Uint8Array(1);

/** Codes "repeat of window entry i" (returns true) or "new value" (returns false). */
function encodeRepeat(e: BitEncoder, c: number, index: number, windowSize: number): boolean {
  if (windowSize === 0) return false;
  const hr = mix(c, TAG.repeat);
  e.bit(slot(hr, 0), index >= 0 ? 1 : 0);
  if (index >= 0) encodeUInt(e, mix(hr, TAG.repeatIndex), windowSize - 1 - index);
  return index >= 0;
}

function encodeString(e: BitEncoder, c: number, v: string, s: WalkState): void {
  const bytes = Buffer.from(v, 'utf8');
  const index = bytes.length >= REPEAT_MIN_BYTES ? s.strings.lastIndexOf(v) : -1;
  if (encodeRepeat(e, c, index, s.strings.length)) return;
  encodeUInt(e, mix(c, TAG.length), bytes.length);
  const { history, dictionary } = s;
  history.beginString(bytes.length);
  let context = 0;
  let run = 0;
  let match = NO_MATCH;
  let prev = TEXT_START;
  let prev2 = TEXT_START;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    const h = matchHash(context);
    match = findMatch(match, h, history, dictionary);
    const guess = match === NO_MATCH ? NO_MATCH : matchByte(match, history, dictionary);
    let hit = 0;
    if (guess !== NO_MATCH) {
      hit = (guess & 0xff) === b ? 1 : 0;
      e.adaptiveBit(MATCH_BASE + matchContext(guess, run), hit);
      run = hit ? (run < MATCH_RUN_MAX ? run + 1 : run) : 0;
    }
    match = advanceMatch(match, hit === 1, dictionary);
    // A miss: the byte's trained order-2 prediction, unless it is the guess that just failed.
    if (!hit && !e.predict(textContext(prev2, prev), b, guess === NO_MATCH ? NO_PREDICTION : guess & 0xff)) e.textByte(prev2, prev, b);
    history.remember(h, history.length);
    history.append(b);
    context = ((context << 8) | b) >>> 0;
    prev2 = prev;
    prev = b;
  }
  if (bytes.length >= REPEAT_MIN_BYTES) s.remember(s.strings, v);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function encodeBlob(e: BitEncoder, c: number, v: Uint8Array, s: WalkState): void {
  let index = -1;
  if (v.length >= REPEAT_MIN_BYTES) {
    for (let i = s.blobs.length - 1; i >= 0; i--) {
      if (sameBytes(s.blobs[i] as Uint8Array, v)) {
        index = i;
        break;
      }
    }
  }
  if (encodeRepeat(e, c, index, s.blobs.length)) return;
  encodeUInt(e, mix(c, TAG.length), v.length);
  e.rawBytes(v, 0, v.length);
  if (v.length >= REPEAT_MIN_BYTES) s.remember(s.blobs, v);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** A decoded length that must be a small number. */
function decodeLength(d: BitDecoder, h: number, max: number, code: 'WIRE_LIMIT_STRING' | 'WIRE_LIMIT_BLOB' | 'WIRE_LIMIT_OBJECTS'): number {
  const n = decodeUInt(d, h);
  if (typeof n !== 'number' || n > max) throw new WireError(code, `length ${String(n)} exceeds ${max}`, 'remote');
  return n;
}

/** Walks a message out of `d`. */
export function walkDecode(d: BitDecoder, limits: WireLimits, s: DecodeWalk): WireMessage {
  const command = decodeUInt(d, TAG.command);
  if (typeof command !== 'number' || command > 0xffff) throw new WireError('WIRE_BAD_ID', 'command exceeds 65535', 'remote');
  const requestId = decodeUInt(d, mix(TAG.requestId, command));
  if (typeof requestId !== 'number' || requestId > 0xffff_ffff) throw new WireError('WIRE_BAD_ID', 'requestId exceeds 2^32-1', 'remote');
  s.beginDecode(limits);
  const objects = decodeList(d, rootContext(command), 1, s);
  return { command, requestId, objects };
}

function decodeList(d: BitDecoder, ctx: number, depth: number, s: DecodeWalk): WireObject[] {
  if (depth > s.limit.maxDepth) throw new WireError('WIRE_LIMIT_DEPTH', `lists nested deeper than ${s.limit.maxDepth}`, 'remote');
  const out: WireObject[] = [];
  let prev = FIRST;
  let prevId = 0;
  for (;;) {
    const h = mix(ctx, prev);
    const guess = d.predicted(mix(h, TAG.successor));
    let id: number;
    let type: number;
    if (guess !== NO_PREDICTION) {
      if (guess === 0) return out;
      id = prevId + Math.floor((guess - 1) / 8);
      type = (guess - 1) % 8;
    } else {
      if (d.bit(slot(h, 0)) === 0) return out;
      const delta = decodeUInt(d, mix(h, TAG.delta));
      id = prevId + (typeof delta === 'number' ? delta : Infinity);
      type = -1;
    }
    s.spendObjects(1);
    if (id > OBJECT_ID_MAX) throw new WireError('WIRE_BAD_ID', `object id exceeds ${OBJECT_ID_MAX}`, 'remote');
    const c = mix(ctx, id);
    if (type < 0) type = decodeTree(d, mix(c, TAG.type), 3);
    out.push(decodeValue(d, id, type, c, depth, s));
    prev = id;
    prevId = id;
  }
}

function decodeValue(d: BitDecoder, id: number, type: number, c: number, depth: number, s: DecodeWalk): WireObject {
  switch (type) {
    case 0:
      return { id, type: 'uint', value: decodeNumber(d, c, s) };
    case 1: {
      const v = decodeUInt(d, mix(c, TAG.fixed64));
      return { id, type: 'fixed64', value: BigInt(v) };
    }
    case 2:
      return { id, type: 'address', value: decodeAddress(d, c, s) };
    case 3:
      return { id, type: 'string', value: decodeString(d, c, s) };
    case 4:
      return { id, type: 'blob', value: decodeBlob(d, c, s) };
    case 5:
      return { id, type: 'list', value: decodeList(d, mix(c, TAG.list), depth + 1, s) };
    case 6: {
      const n = decodeLength(d, mix(c, TAG.count), s.limit.maxObjects, 'WIRE_LIMIT_OBJECTS');
      s.spendObjects(n);
      const he = mix(c, TAG.element);
      const values: UInt[] = new Array<UInt>(n);
      for (let i = 0; i < n; i++) values[i] = decodeUInt(d, he);
      return { id, type: 'uintList', value: values };
    }
    default:
      throw new WireError('WIRE_BAD_TYPE', `invalid type code ${type}`, 'remote');
  }
}

function decodeNumber(d: BitDecoder, c: number, s: DecodeWalk): UInt {
  const fieldRef = s.fieldRefs.get(c);
  const globalRef = s.globalRef;
  if (fieldRef >= 0 || globalRef >= 0) {
    const hr = mix(c, TAG.numberRef);
    if (d.bit(slot(hr, 0)) === 1) {
      let kind = fieldRef >= 0 ? 1 : 2;
      if (fieldRef >= 0 && globalRef >= 0 && globalRef !== fieldRef) kind = 1 + d.bit(slot(hr, 1));
      const ref = kind === 1 ? fieldRef : globalRef;
      const negative = d.bit(slot(hr, 2 + kind)) === 1;
      const magnitude = decodeUInt(d, mix(hr, kind));
      const v = typeof magnitude === 'number' ? (negative ? ref - magnitude : ref + magnitude) : -1;
      if (!Number.isSafeInteger(v) || v < 0) throw new WireError('WIRE_CORRUPT', 'integer difference out of range', 'remote');
      s.rememberNumber(c, v);
      return v;
    }
  }
  const v = decodeUInt(d, c);
  s.rememberNumber(c, v);
  return v;
}

function decodeAddress(d: BitDecoder, c: number, s: DecodeWalk): { host: string; port: number } {
  const ha = mix(c, TAG.family);
  const v6 = d.bit(slot(ha, 0));
  const ip = new Uint8Array(v6 ? 16 : 4);
  const window = v6 ? s.addresses6 : s.addresses4;
  let k = 0;
  if (window.length > 0) {
    k = decodeTree(d, mix(ha, TAG.prefix), 5);
    if (k > ip.length) throw new WireError('WIRE_BAD_ADDRESS', 'shared prefix longer than the address', 'remote');
    if (k > 0) {
      const back = decodeTree(d, mix(ha, TAG.addressRef), 3);
      if (back >= window.length) throw new WireError('WIRE_BAD_ADDRESS', 'prefix refers past the window', 'remote');
      ip.set((window[window.length - 1 - back] as Uint8Array).subarray(0, k));
    }
  }
  const modelled = v6 ? ADDRESS_MODELLED_BYTES_V6 : ADDRESS_MODELLED_BYTES_V4;
  let j = k;
  for (; j < modelled; j++) ip[j] = decodeTree(d, mix(mix(TAG.addressByte, v6 * 16 + j), j > 0 ? (ip[j - 1] as number) : 256), 8);
  if (j < ip.length) d.rawBytes(ip, j, ip.length - j);
  s.rememberAddress(window, ip);
  const host = formatIp(ip);
  if (s.lastPort >= 0 && d.bit(slot(mix(c, TAG.portSame), 0)) === 1) return { host, port: s.lastPort };
  const guess = d.predicted(mix(c, TAG.port), NO_PREDICTION, 0xffff);
  if (guess !== NO_PREDICTION) {
    s.lastPort = guess;
    return { host, port: guess };
  }
  const high = decodeTree(d, mix(c, TAG.portHigh), 8);
  d.rawBytes(portScratch, 0, 1);
  s.lastPort = (high << 8) | (portScratch[0] as number);
  return { host, port: s.lastPort };
}

/** Decodes a repeat reference: the window index, or -1 for a new value. */
function decodeRepeat(d: BitDecoder, c: number, windowSize: number): number {
  if (windowSize === 0) return -1;
  const hr = mix(c, TAG.repeat);
  if (d.bit(slot(hr, 0)) === 0) return -1;
  const back = decodeUInt(d, mix(hr, TAG.repeatIndex));
  if (typeof back !== 'number' || back >= windowSize) throw new WireError('WIRE_CORRUPT', 'repeat refers past the window', 'remote');
  return windowSize - 1 - back;
}

let textScratch = Buffer.allocUnsafe(1024);

function decodeString(d: BitDecoder, c: number, s: DecodeWalk): string {
  const index = decodeRepeat(d, c, s.strings.length);
  if (index >= 0) {
    const v = s.strings[index] as string;
    s.spendBytes(Buffer.byteLength(v, 'utf8'), s.limit.maxStringBytes, 'WIRE_LIMIT_STRING');
    return v;
  }
  const n = decodeLength(d, mix(c, TAG.length), s.limit.maxStringBytes, 'WIRE_LIMIT_STRING');
  s.spendBytes(n, s.limit.maxStringBytes, 'WIRE_LIMIT_STRING');
  if (n > textScratch.length) textScratch = Buffer.allocUnsafe(Math.max(n, textScratch.length * 2));
  const out = textScratch;
  const high = d.decodeText(out, n, s.history, s.dictionary);
  let v: string;
  if (high < 0x80) {
    v = out.toString('latin1', 0, n); // ASCII: valid UTF-8, and latin1 decoding gives the same text, cheaper
  } else {
    const bytes = out.subarray(0, n);
    if (!isUtf8(bytes)) throw new WireError('WIRE_BAD_UTF8', 'string is not valid UTF-8', 'remote');
    v = bytes.toString('utf8');
  }
  if (n >= REPEAT_MIN_BYTES) s.remember(s.strings, v);
  return v;
}

function decodeBlob(d: BitDecoder, c: number, s: DecodeWalk): Uint8Array {
  const index = decodeRepeat(d, c, s.blobs.length);
  if (index >= 0) {
    const v = s.blobs[index] as Uint8Array;
    s.spendBytes(v.length, s.limit.maxBlobBytes, 'WIRE_LIMIT_BLOB');
    return v.slice();
  }
  const n = decodeLength(d, mix(c, TAG.length), s.limit.maxBlobBytes, 'WIRE_LIMIT_BLOB');
  s.spendBytes(n, s.limit.maxBlobBytes, 'WIRE_LIMIT_BLOB');
  const v = new Uint8Array(n);
  d.rawBytes(v, 0, n);
  if (n >= REPEAT_MIN_BYTES) s.remember(s.blobs, v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Encodes a message in the compressed encoding; throws a local WireError on an invalid value. */
export function encodeCompressed(m: WireMessage): Uint8Array {
  const { encoder, encoderWalk } = model();
  encoder.begin();
  try {
    walkEncode(encoder, m, encoderWalk);
    return encoder.finish();
  } finally {
    encoder.table.reset();
  }
}

/** Decodes a compressed message; throws a remote WireError on bad input (wrapped by decodeMessage). */
export function decodeCompressed(buf: Uint8Array, limits: WireLimits): WireMessage {
  const { decoder, decoderWalk } = model();
  decoder.begin(buf);
  try {
    const m = walkDecode(decoder, limits, decoderWalk);
    decoder.end();
    return m;
  } finally {
    decoder.table.reset();
  }
}
