/**
 * The JSON form of a message, for corpora, the CLI's `--json` and debugging.
 *
 * uint: a number while safe, else a decimal string; fixed64: "0x" + 16 hex digits; address:
 * "host:port" ("[v6]:port"); blob: lowercase hex; list and uintList: arrays.
 */

import { formatEndpoint, parseEndpoint } from './address.js';
import { type DecodeResult, WireError } from './errors.js';
import {
  COMMAND_ID_MAX,
  OBJECT_ID_MAX,
  OBJECT_TYPES,
  type ObjectType,
  REQUEST_ID_MAX,
  type UInt,
  UINT64_MAX,
  type WireMessage,
  type WireObject,
} from './types.js';

/** A JSON-safe value of one object. */
export type JsonObjectValue = number | string | JsonObject[] | (number | string)[];
/** A JSON-safe object. */
export interface JsonObject {
  id: number;
  type: ObjectType;
  value: JsonObjectValue;
}
/** A JSON-safe message. */
export interface JsonMessage {
  command: number;
  requestId: number;
  objects: JsonObject[];
}

/** The normal form of an unsigned integer: number while safe, bigint above. */
export function normalUInt(v: bigint): UInt {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function uintToJson(v: UInt): number | string {
  return typeof v === 'number' ? v : v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function objectToJson(o: WireObject): JsonObject {
  switch (o.type) {
    case 'uint':
      return { id: o.id, type: o.type, value: uintToJson(o.value) };
    case 'fixed64':
      return { id: o.id, type: o.type, value: '0x' + o.value.toString(16).padStart(16, '0') };
    case 'address':
      return { id: o.id, type: o.type, value: formatEndpoint(o.value.host, o.value.port) };
    case 'string':
      return { id: o.id, type: o.type, value: o.value };
    case 'blob':
      return { id: o.id, type: o.type, value: toHex(o.value) };
    case 'list':
      return { id: o.id, type: o.type, value: o.value.map(objectToJson) };
    case 'uintList':
      return { id: o.id, type: o.type, value: o.value.map(uintToJson) };
  }
}

/** The JSON form of a message. */
export function messageToJson(m: WireMessage): JsonMessage {
  return { command: m.command, requestId: m.requestId, objects: m.objects.map(objectToJson) };
}

function bad(what: string): never {
  throw new WireError('WIRE_BAD_VALUE', what, 'local');
}

function intIn(v: unknown, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) bad(`${what} must be an integer 0..${max}`);
  return v;
}

function uintFromJson(v: unknown, what: string): UInt {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) {
    const b = BigInt(v);
    if (b <= UINT64_MAX) return normalUInt(b);
  }
  return bad(`${what} must be an unsigned integer up to 2^64-1 (a number, or a decimal string)`);
}

function objectFromJson(raw: unknown, path: string, depth: number): WireObject {
  if (typeof raw !== 'object' || raw === null) bad(`${path} must be an object`);
  const r = raw as Record<string, unknown>;
  const id = intIn(r['id'], OBJECT_ID_MAX, `${path}.id`);
  const type = r['type'];
  const v = r['value'];
  const at = `${path}(id ${id})`;
  switch (type) {
    case 'uint':
      return { id, type, value: uintFromJson(v, at) };
    case 'fixed64': {
      if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(v)) bad(`${at} fixed64 must be "0x" and 1-16 hex digits`);
      return { id, type, value: BigInt(v) };
    }
    case 'address': {
      const ep = typeof v === 'string' ? parseEndpoint(v) : null;
      if (!ep) bad(`${at} address must be "a.b.c.d:port" or "[v6]:port"`);
      return { id, type, value: ep };
    }
    case 'string':
      if (typeof v !== 'string') bad(`${at} string must be a string`);
      return { id, type, value: v };
    case 'blob':
      if (typeof v !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(v)) bad(`${at} blob must be an even-length hex string`);
      return { id, type, value: new Uint8Array(Buffer.from(v, 'hex')) };
    case 'list':
      if (!Array.isArray(v)) bad(`${at} list must be an array`);
      if (depth >= 64) bad(`${at} nests too deep`);
      return { id, type, value: v.map((x, i) => objectFromJson(x, `${at}[${i}]`, depth + 1)) };
    case 'uintList':
      if (!Array.isArray(v)) bad(`${at} uintList must be an array`);
      return { id, type, value: v.map((x, i) => uintFromJson(x, `${at}[${i}]`)) };
    default:
      return bad(`${at} type must be one of ${OBJECT_TYPES.join(', ')}`);
  }
}

/** Reads a message from its JSON form; a coded error (WIRE_BAD_VALUE) if it is not one. */
export function messageFromJson(raw: unknown): DecodeResult<WireMessage> {
  try {
    if (typeof raw !== 'object' || raw === null) bad('message must be an object');
    const r = raw as Record<string, unknown>;
    const command = intIn(r['command'], COMMAND_ID_MAX, 'command');
    const requestId = intIn(r['requestId'], REQUEST_ID_MAX, 'requestId');
    if (!Array.isArray(r['objects'])) bad('objects must be an array');
    const objects = (r['objects'] as unknown[]).map((x, i) => objectFromJson(x, `objects[${i}]`, 1));
    return { ok: true, value: { command, requestId, objects } };
  } catch (e) {
    if (e instanceof WireError) return { ok: false, error: e };
    throw e;
  }
}
