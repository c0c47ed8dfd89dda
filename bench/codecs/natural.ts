/**
 * The "natural" forms of a message for the general-purpose formats: what an application speaking
 * JSON, CBOR or MessagePack would send for the same message. Fields are keyed by object id, a
 * repeated field is an array, nested lists are nested maps.
 *
 * JSON: `{"c": command, "r": requestId, "o": {"<id>": value}}`; uint is a number while safe, else
 * a decimal string; fixed64 is 16 hex digits; an address is "host:port" ("[v6]:port"); a blob is
 * base64.
 * CBOR and MessagePack: `[command, requestId, Map<id, value>]`; integers and bigints native, an
 * address is `[ip bytes, port]`, a blob is a byte string.
 */

import { formatEndpoint, parseIp, type UInt, type WireMessage, type WireObject } from '../../src/wire/index.js';
import { commandSpec, type FieldSpec, type ListSpec } from '../corpus/messages.js';

/** A JSON value. */
export type JsonValue = number | string | JsonValue[] | { [key: string]: JsonValue };

/** The natural JSON form of a message. */
export interface NaturalJson {
  c: number;
  r: number;
  o: { [id: string]: JsonValue };
}

/** A value of the natural binary form. */
export type BinaryValue = number | bigint | string | Uint8Array | BinaryValue[] | Map<number, BinaryValue>;

/** The natural binary form of a message (CBOR, MessagePack). */
export type NaturalBinary = [command: number, requestId: number, objects: Map<number, BinaryValue>];

/** The natural JSON form of a message of the corpus. */
export function naturalJson(m: WireMessage): NaturalJson {
  const o: { [id: string]: JsonValue } = {};
  group(specOf(m), m.objects, (field, values) => {
    o[String(field.id)] = field.repeated ? values.map((v) => jsonValue(field, v)) : jsonValue(field, values[0] as WireObject);
  });
  return { c: m.command, r: m.requestId, o };
}

/** The natural binary form of a message of the corpus. */
export function naturalBinary(m: WireMessage): NaturalBinary {
  return [m.command, m.requestId, binaryMap(specOf(m), m.objects)];
}

function jsonValue(field: FieldSpec, o: WireObject): JsonValue {
  switch (o.type) {
    case 'uint':
      return jsonUInt(o.value);
    case 'fixed64':
      return o.value.toString(16).padStart(16, '0');
    case 'address':
      return formatEndpoint(o.value.host, o.value.port);
    case 'string':
      return o.value;
    case 'blob':
      return Buffer.from(o.value.buffer, o.value.byteOffset, o.value.byteLength).toString('base64');
    case 'list': {
      const nested: { [id: string]: JsonValue } = {};
      group(listOf(field), o.value, (f, values) => {
        nested[String(f.id)] = f.repeated ? values.map((v) => jsonValue(f, v)) : jsonValue(f, values[0] as WireObject);
      });
      return nested;
    }
    case 'uintList':
      return o.value.map(jsonUInt);
  }
}

function binaryValue(field: FieldSpec, o: WireObject): BinaryValue {
  switch (o.type) {
    case 'uint':
    case 'fixed64':
    case 'string':
    case 'blob':
      return o.value;
    case 'address': {
      const ip = parseIp(o.value.host);
      if (!ip) throw new Error(`not an IP address: ${o.value.host}`);
      return [ip, o.value.port];
    }
    case 'list':
      return binaryMap(listOf(field), o.value);
    case 'uintList':
      return o.value.slice();
  }
}

function binaryMap(spec: ListSpec, objects: readonly WireObject[]): Map<number, BinaryValue> {
  const map = new Map<number, BinaryValue>();
  group(spec, objects, (field, values) => {
    map.set(field.id, field.repeated ? values.map((v) => binaryValue(field, v)) : binaryValue(field, values[0] as WireObject));
  });
  return map;
}

function jsonUInt(v: UInt): number | string {
  return typeof v === 'number' ? v : v.toString();
}

/** Calls `each` with every field present in `objects` and its objects, in id order; checks them against the table. */
export function group(spec: ListSpec, objects: readonly WireObject[], each: (field: FieldSpec, values: WireObject[]) => void): void {
  let i = 0;
  for (const field of spec.fields) {
    const values: WireObject[] = [];
    while (i < objects.length && objects[i]?.id === field.id) values.push(objects[i++] as WireObject);
    if (values.some((v) => v.type !== field.type)) throw new Error(`${spec.name}.${field.name}: type is not ${field.type}`);
    if (values.length > 1 && !field.repeated) throw new Error(`${spec.name}.${field.name}: repeated but not a repeated field`);
    if (values.length > 0) each(field, values);
  }
  if (i < objects.length) throw new Error(`${spec.name}: object id ${objects[i]?.id} is not in the table (or out of order)`);
}

/** The table of a message's command; throws for a command the corpus does not define. */
export function specOf(m: WireMessage): ListSpec {
  const spec = commandSpec(m.command);
  if (!spec) throw new Error(`command ${m.command} has no table`);
  return spec;
}

function listOf(field: FieldSpec): ListSpec {
  if (!field.list) throw new Error(`${field.name}: list field without a layout`);
  return field.list;
}
