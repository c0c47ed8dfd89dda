/**
 * The plain encoding (docs/wire.md): canonical and byte-exact, so that signatures can be computed
 * over it. Every byte string that decodes re-encodes to itself.
 *
 *   message = 0x01 command:varint requestId:varint list
 *   list    = count:varint object*
 *   object  = key:varint payload          key = (id - previous id) << 3 | type
 */

import { isUtf8 } from 'node:buffer';
import { ByteReader, ByteWriter } from './bytes.js';
import {
  checkAddress,
  checkBlob,
  checkCommand,
  checkFixed64,
  checkObjectId,
  checkRequestId,
  checkString,
  checkUInt,
  canonicalOrder,
} from './check.js';
import {
  FAMILY_IPV4,
  FAMILY_IPV6,
  KEY_TYPE_BITS,
  PLAIN_V1_HEADER,
  TYPE_ADDRESS,
  TYPE_BLOB,
  TYPE_FIXED64,
  TYPE_LIST,
  TYPE_STRING,
  TYPE_UINT,
  TYPE_UINT_LIST,
} from './constants.js';
import { formatIp } from './address.js';
import { WireError } from './errors.js';
import type { WireLimits } from './limits.js';
import { OBJECT_ID_MAX, OBJECT_TYPES, type UInt, type WireMessage, type WireObject } from './types.js';

const shared = new ByteWriter(4096);

/** Encodes a message in the plain encoding; throws a local WireError on an invalid value. */
export function encodePlain(m: WireMessage): Uint8Array {
  const w = shared;
  w.pos = 0;
  w.byte(PLAIN_V1_HEADER);
  w.varint(checkCommand(m.command));
  w.varint(checkRequestId(m.requestId));
  writeList(w, m.objects, 1);
  return w.finish();
}

function writeList(w: ByteWriter, list: readonly WireObject[], depth: number): void {
  const objects = canonicalOrder(list, depth);
  w.varint(objects.length);
  let prevId = 0;
  for (const o of objects) {
    const id = checkObjectId(o.id);
    const type = OBJECT_TYPES.indexOf(o.type);
    if (type < 0) throw new WireError('WIRE_BAD_VALUE', `unknown object type ${String(o.type)}`, 'local');
    w.varint((id - prevId) * (1 << KEY_TYPE_BITS) + type);
    prevId = id;
    writePayload(w, o, depth);
  }
}

function writePayload(w: ByteWriter, o: WireObject, depth: number): void {
  switch (o.type) {
    case 'uint':
      w.varint(checkUInt(o.value));
      return;
    case 'fixed64':
      w.ensure(8);
      w.buf.writeBigUInt64BE(checkFixed64(o.value), w.pos);
      w.pos += 8;
      return;
    case 'address': {
      const { ip, port } = checkAddress(o.value);
      w.byte(ip.length === 4 ? FAMILY_IPV4 : FAMILY_IPV6);
      w.bytes(ip);
      w.byte(port >> 8);
      w.byte(port & 0xff);
      return;
    }
    case 'string':
      w.lengthPrefixedString(checkString(o.value));
      return;
    case 'blob': {
      const b = checkBlob(o.value);
      w.varint(b.length);
      w.bytes(b);
      return;
    }
    case 'list':
      writeList(w, o.value, depth + 1);
      return;
    case 'uintList': {
      if (!Array.isArray(o.value)) throw new WireError('WIRE_BAD_VALUE', 'uintList must be an array', 'local');
      w.varint(o.value.length);
      for (const v of o.value) w.varint(checkUInt(v));
      return;
    }
  }
}

/** Decoding state: the reader plus what is left of the limits. */
class PlainDecoder {
  readonly r: ByteReader;
  objectsLeft: number;
  constructor(
    buf: Buffer,
    readonly limits: WireLimits,
  ) {
    this.r = new ByteReader(buf, 1);
    this.objectsLeft = limits.maxObjects;
  }

  /** Reserves `n` objects of the budget; each needs at least `minBytes` of input. */
  reserve(n: number, minBytes: number): void {
    if (n > this.objectsLeft) this.r.fail('WIRE_LIMIT_OBJECTS', `more than ${this.limits.maxObjects} objects`);
    if (n * minBytes > this.r.remaining) this.r.fail('WIRE_TRUNCATED', `${n} objects cannot fit in ${this.r.remaining} bytes`);
    this.objectsLeft -= n;
  }

  list(depth: number): WireObject[] {
    const r = this.r;
    if (depth > this.limits.maxDepth) r.fail('WIRE_LIMIT_DEPTH', `lists nested deeper than ${this.limits.maxDepth}`);
    const count = r.smallVarint(this.limits.maxObjects, 'WIRE_LIMIT_OBJECTS', 'object count');
    this.reserve(count, 2);
    const out: WireObject[] = new Array<WireObject>(count);
    let id = 0;
    for (let i = 0; i < count; i++) {
      const keyAt = r.pos;
      const key = r.smallVarint((OBJECT_ID_MAX << KEY_TYPE_BITS) | 7, 'WIRE_BAD_ID', 'object key');
      id += key >>> KEY_TYPE_BITS;
      if (id > OBJECT_ID_MAX) r.failAt(keyAt, 'WIRE_BAD_ID', `object id exceeds ${OBJECT_ID_MAX}`);
      out[i] = this.object(id, key & 7, depth, keyAt);
    }
    return out;
  }

  object(id: number, type: number, depth: number, keyAt: number): WireObject {
    const r = this.r;
    switch (type) {
      case TYPE_UINT:
        return { id, type: 'uint', value: r.varint() };
      case TYPE_FIXED64:
        return { id, type: 'fixed64', value: r.take(8).readBigUInt64BE(0) };
      case TYPE_ADDRESS: {
        const family = r.byte();
        if (family !== FAMILY_IPV4 && family !== FAMILY_IPV6) r.failAt(r.pos - 1, 'WIRE_BAD_ADDRESS', `unknown address family ${family}`);
        const ip = r.take(family === FAMILY_IPV4 ? 4 : 16);
        const port = r.take(2).readUInt16BE(0);
        return { id, type: 'address', value: { host: formatIp(ip), port } };
      }
      case TYPE_STRING: {
        const n = r.smallVarint(this.limits.maxStringBytes, 'WIRE_LIMIT_STRING', 'string length');
        const at = r.pos;
        const bytes = r.take(n);
        if (!isUtf8(bytes)) r.failAt(at, 'WIRE_BAD_UTF8', 'string is not valid UTF-8');
        return { id, type: 'string', value: bytes.toString('utf8') };
      }
      case TYPE_BLOB: {
        const n = r.smallVarint(this.limits.maxBlobBytes, 'WIRE_LIMIT_BLOB', 'blob length');
        return { id, type: 'blob', value: new Uint8Array(r.take(n)) };
      }
      case TYPE_LIST:
        return { id, type: 'list', value: this.list(depth + 1) };
      case TYPE_UINT_LIST: {
        const n = r.smallVarint(this.limits.maxObjects, 'WIRE_LIMIT_OBJECTS', 'uintList length');
        this.reserve(n, 1);
        const values: UInt[] = new Array<UInt>(n);
        for (let i = 0; i < n; i++) values[i] = r.varint();
        return { id, type: 'uintList', value: values };
      }
      default:
        return r.failAt(keyAt, 'WIRE_BAD_TYPE', `invalid type code ${type}`);
    }
  }
}

/** Decodes a plain message; throws a remote WireError on bad input (wrapped by decodeMessage). */
export function decodePlain(buf: Buffer, limits: WireLimits): WireMessage {
  if (buf[0] !== PLAIN_V1_HEADER) throw new WireError('WIRE_BAD_HEADER', `unknown plain header 0x${(buf[0] ?? 0).toString(16)}`, 'remote', 0);
  const d = new PlainDecoder(buf, limits);
  const command = d.r.smallVarint(0xffff, 'WIRE_BAD_ID', 'command');
  const requestId = d.r.smallVarint(0xffff_ffff, 'WIRE_BAD_ID', 'requestId');
  const objects = d.list(1);
  if (d.r.remaining !== 0) d.r.fail('WIRE_TRAILING_BYTES', `${d.r.remaining} bytes after the message`);
  return { command, requestId, objects };
}
