/**
 * Builds wire messages from named field values, checked against the tables of messages.ts, so
 * every corpus message has exactly the ids, types and order its table promises.
 */

import { canonicalHost, type NetAddress, type UInt, UINT64_MAX, type WireMessage, type WireObject } from '../../src/wire/index.js';
import type { CommandSpec, FieldSpec, ListSpec } from './messages.js';

/** Field values of one message or nested list, by field name; absent optional fields are undefined. */
export interface Fields {
  readonly [name: string]: unknown;
}

/** Builds the message of `spec` from its field values; throws on any mismatch with the table. */
export function buildMessage(spec: CommandSpec, requestId: number, values: Fields): WireMessage {
  if ((spec.requestId === 'none') !== (requestId === 0)) {
    throw new Error(`${spec.key}: request id ${requestId} does not fit a '${spec.requestId}' command`);
  }
  return { command: spec.command, requestId, objects: buildObjects(spec, values, spec.key) };
}

/** The sorted object list of `spec` from its field values. */
export function buildObjects(spec: ListSpec, values: Fields, path: string): WireObject[] {
  for (const name of Object.keys(values)) {
    if (!spec.fields.some((f) => f.name === name)) throw new Error(`${path}: no field '${name}' in ${spec.name}`);
  }
  const out: WireObject[] = [];
  let lastId = 0;
  for (const field of spec.fields) {
    if (field.id <= lastId) throw new Error(`${spec.name}: field ids must increase (${field.name})`);
    lastId = field.id;
    const at = `${path}.${field.name}`;
    const value = values[field.name];
    if (value === undefined) {
      if (!field.optional && !field.repeated) throw new Error(`${at}: missing`);
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) throw new Error(`${at}: repeated field needs an array`);
      value.forEach((v: unknown, i) => out.push(buildObject(field, v, `${at}[${i}]`)));
    } else {
      out.push(buildObject(field, value, at));
    }
  }
  return out;
}

function buildObject(field: FieldSpec, v: unknown, at: string): WireObject {
  const id = field.id;
  switch (field.type) {
    case 'uint':
      return { id, type: 'uint', value: uintValue(v, at) };
    case 'fixed64':
      if (typeof v !== 'bigint' || v < 0n || v > UINT64_MAX) throw new Error(`${at}: fixed64 needs a 64-bit bigint`);
      return { id, type: 'fixed64', value: v };
    case 'address':
      return { id, type: 'address', value: addressValue(v, at) };
    case 'string':
      if (typeof v !== 'string') throw new Error(`${at}: string needed`);
      return { id, type: 'string', value: v };
    case 'blob':
      if (!(v instanceof Uint8Array)) throw new Error(`${at}: Uint8Array needed`);
      return { id, type: 'blob', value: v };
    case 'list': {
      if (!field.list) throw new Error(`${at}: list field without a layout`);
      if (typeof v !== 'object' || v === null) throw new Error(`${at}: nested fields needed`);
      return { id, type: 'list', value: buildObjects(field.list, v as Fields, at) };
    }
    case 'uintList':
      if (!Array.isArray(v)) throw new Error(`${at}: array of uints needed`);
      return { id, type: 'uintList', value: v.map((x: unknown, i) => uintValue(x, `${at}[${i}]`)) };
  }
}

function uintValue(v: unknown, at: string): UInt {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n && v <= UINT64_MAX) return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  throw new Error(`${at}: unsigned integer needed, got ${String(v)}`);
}

function addressValue(v: unknown, at: string): NetAddress {
  const a = v as Partial<NetAddress> | null;
  const host = typeof a?.host === 'string' ? canonicalHost(a.host) : null;
  const port = a?.port;
  if (host === null || typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new Error(`${at}: address needs an IP host and a port`);
  }
  return { host, port };
}
