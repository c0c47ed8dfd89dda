/**
 * Typed message definitions over object lists. A schema maps named, typed fields to object ids
 * with range checks; protocol code works with plain TypeScript objects and never touches ids.
 *
 * Decoding skips ids it does not know (a newer peer may send more: forward compatibility) and
 * returns a coded error for a missing required field, a field of the wrong type or a value out of
 * range. Encoding checks the same ranges and throws a local error, since the bug is ours.
 *
 *   const Presence = defineMessage('presence', 20, {
 *     username: field(1, string({ maxBytes: 64 })),
 *     status: field(2, uint({ max: 4 })),
 *     mood: optional(3, string({ maxBytes: 200 })),
 *   });
 *   type Presence = Infer<typeof Presence.fields>;
 */

import { parseIp } from './address.js';
import { type DecodeResult, WireError, type WireErrorCode } from './errors.js';
import { COMMAND_ID_MAX, OBJECT_ID_MAX, type NetAddress, type ObjectType, type UInt, type WireMessage, type WireObject } from './types.js';

/** Converts one field value between its TypeScript form and an object's wire value. */
export interface FieldCodec<T> {
  readonly type: ObjectType;
  /** Wire value of `v`; throws a local SCHEMA_OUT_OF_RANGE / SCHEMA_BAD_TYPE error. */
  toWire(v: T, path: string): WireObject['value'];
  /** TypeScript value of an object already known to be of `type`; throws a remote error. */
  fromWire(v: WireObject['value'], path: string): T;
}

type Mode = 'required' | 'optional' | 'repeated';

/** One field of a schema: an object id, a codec and whether it is required, optional or repeated. */
export interface Field<T, M extends Mode = Mode> {
  readonly id: number;
  readonly codec: FieldCodec<T>;
  readonly mode: M;
}

/** A record of named fields. */
export type Fields = Record<string, Field<unknown>>;

type ValueOf<F> = F extends Field<infer T> ? T : never;
type KeysWith<S extends Fields, M extends Mode> = { [K in keyof S]: S[K] extends Field<unknown, M> ? K : never }[keyof S];

/** The TypeScript type a set of fields describes. */
export type Infer<S extends Fields> = { [K in KeysWith<S, 'required'>]: ValueOf<S[K]> } & {
  [K in KeysWith<S, 'optional'>]?: ValueOf<S[K]>;
} & { [K in KeysWith<S, 'repeated'>]: ValueOf<S[K]>[] };

function fail(code: WireErrorCode, side: 'local' | 'remote', path: string, what: string): never {
  throw new WireError(code, `${path}: ${what}`, side);
}

/** A required field. */
export function field<T>(id: number, codec: FieldCodec<T>): Field<T, 'required'> {
  return { id, codec, mode: 'required' };
}
/** An optional field (absent, or present once). */
export function optional<T>(id: number, codec: FieldCodec<T>): Field<T, 'optional'> {
  return { id, codec, mode: 'optional' };
}
/** A repeated field: zero or more objects with the same id, as an array. */
export function repeated<T>(id: number, codec: FieldCodec<T>): Field<T, 'repeated'> {
  return { id, codec, mode: 'repeated' };
}

// ---------------------------------------------------------------------------------------------
// Field codecs

/** Bounds of an integer field. */
export interface UIntRange {
  readonly min?: number;
  readonly max?: number;
}

/** An unsigned integer that fits a JavaScript number (<= 2^53-1), within [min, max]. */
export function uint(range: UIntRange = {}): FieldCodec<number> {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const check = (v: unknown, path: string, side: 'local' | 'remote'): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail('SCHEMA_OUT_OF_RANGE', side, path, `must be an integer ${min}..${max}, got ${v as UInt}`);
    return v;
  };
  return { type: 'uint', toWire: (v, p) => check(v, p, 'local'), fromWire: (v, p) => check(v, p, 'remote') };
}

/** A full 64-bit unsigned integer, as a bigint. */
export function uint64(): FieldCodec<bigint> {
  return {
    type: 'uint',
    toWire: (v, p) => (typeof v === 'bigint' && v >= 0n && v <= 0xffff_ffff_ffff_ffffn ? v : fail('SCHEMA_OUT_OF_RANGE', 'local', p, 'must be a bigint 0..2^64-1')),
    fromWire: (v) => BigInt(v as UInt),
  };
}

/** A fixed 64-bit value, as a bigint. */
export function fixed64(): FieldCodec<bigint> {
  return {
    type: 'fixed64',
    toWire: (v, p) => (typeof v === 'bigint' && v >= 0n && v <= 0xffff_ffff_ffff_ffffn ? v : fail('SCHEMA_OUT_OF_RANGE', 'local', p, 'must be a bigint 0..2^64-1')),
    fromWire: (v) => v as bigint,
  };
}

/** A boolean, carried as uint 0 or 1. */
export function bool(): FieldCodec<boolean> {
  return {
    type: 'uint',
    toWire: (v, p) => (typeof v === 'boolean' ? (v ? 1 : 0) : fail('SCHEMA_BAD_TYPE', 'local', p, 'must be a boolean')),
    fromWire: (v, p) => (v === 0 ? false : v === 1 ? true : fail('SCHEMA_OUT_OF_RANGE', 'remote', p, 'a boolean must be 0 or 1')),
  };
}

/** One of a fixed list of names, carried as its index. Names may be appended, never reordered. */
export function enumeration<const N extends string>(names: readonly N[]): FieldCodec<N> {
  return {
    type: 'uint',
    toWire: (v, p) => {
      const i = names.indexOf(v);
      return i >= 0 ? i : fail('SCHEMA_OUT_OF_RANGE', 'local', p, `must be one of ${names.join(', ')}`);
    },
    fromWire: (v, p) => (typeof v === 'number' && v < names.length ? (names[v] as N) : fail('SCHEMA_OUT_OF_RANGE', 'remote', p, `unknown value ${typeof v === 'number' || typeof v === 'bigint' ? v.toString() : 'of another kind'}`)),
  };
}

/** Bounds of a string or blob field, in bytes. */
export interface ByteRange {
  readonly minBytes?: number;
  readonly maxBytes?: number;
}

function byteCheck(n: number, r: ByteRange, path: string, side: 'local' | 'remote'): void {
  if (n < (r.minBytes ?? 0) || n > (r.maxBytes ?? Infinity)) {
    fail('SCHEMA_OUT_OF_RANGE', side, path, `length ${n} bytes is outside ${r.minBytes ?? 0}..${r.maxBytes ?? 'unbounded'}`);
  }
}

/** A UTF-8 string, its byte length within the range. */
export function string(range: ByteRange = {}): FieldCodec<string> {
  return {
    type: 'string',
    toWire: (v, p) => {
      if (typeof v !== 'string') fail('SCHEMA_BAD_TYPE', 'local', p, 'must be a string');
      byteCheck(Buffer.byteLength(v), range, p, 'local');
      return v;
    },
    fromWire: (v, p) => {
      byteCheck(Buffer.byteLength(v as string), range, p, 'remote');
      return v as string;
    },
  };
}

/** A byte string, its length within the range (`bytes(32)` for exactly 32). */
export function bytes(range: ByteRange | number = {}): FieldCodec<Uint8Array> {
  const r = typeof range === 'number' ? { minBytes: range, maxBytes: range } : range;
  return {
    type: 'blob',
    toWire: (v, p) => {
      if (!(v instanceof Uint8Array)) fail('SCHEMA_BAD_TYPE', 'local', p, 'must be a Uint8Array');
      byteCheck(v.length, r, p, 'local');
      return v;
    },
    fromWire: (v, p) => {
      byteCheck((v as Uint8Array).length, r, p, 'remote');
      return v as Uint8Array;
    },
  };
}

/** An IP endpoint. */
export function address(): FieldCodec<NetAddress> {
  return {
    type: 'address',
    toWire: (v, p) => (parseIp(v.host) && Number.isInteger(v.port) && v.port >= 0 && v.port <= 0xffff ? v : fail('SCHEMA_OUT_OF_RANGE', 'local', p, 'must be an IP address and a port 0..65535')),
    fromWire: (v) => v as NetAddress,
  };
}

/** A list of integers, each within the range, at most `maxItems` of them. */
export function uintList(range: UIntRange & { readonly maxItems?: number } = {}): FieldCodec<number[]> {
  const item = uint(range);
  const maxItems = range.maxItems ?? Infinity;
  const count = (n: number, p: string, side: 'local' | 'remote'): void => {
    if (n > maxItems) fail('SCHEMA_OUT_OF_RANGE', side, p, `more than ${maxItems} items`);
  };
  return {
    type: 'uintList',
    toWire: (v, p) => {
      count(v.length, p, 'local');
      return v.map((x, i) => item.toWire(x, `${p}[${i}]`) as number);
    },
    fromWire: (v, p) => {
      const list = v as readonly UInt[];
      count(list.length, p, 'remote');
      return list.map((x, i) => item.fromWire(x, `${p}[${i}]`));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Structures

/** A nested structure: a set of fields carried as a nested object list. */
export interface Struct<S extends Fields> extends FieldCodec<Infer<S>> {
  readonly fields: S;
  /** The object list of a value. */
  toObjects(v: Infer<S>, path?: string): WireObject[];
  /** The value of an object list; throws a remote coded error. */
  fromObjects(list: readonly WireObject[], path?: string): Infer<S>;
}

/** Defines a structure; field ids must be unique and within 0..65535. */
export function struct<S extends Fields>(fields: S): Struct<S> {
  const entries = Object.entries(fields).sort((a, b) => a[1].id - b[1].id);
  const byId = new Map<number, [string, Field<unknown>]>();
  for (const [name, f] of entries) {
    if (!Number.isInteger(f.id) || f.id < 0 || f.id > OBJECT_ID_MAX) throw new Error(`schema field ${name}: id ${f.id} out of range`);
    if (byId.has(f.id)) throw new Error(`schema fields ${byId.get(f.id)?.[0]} and ${name} share id ${f.id}`);
    byId.set(f.id, [name, f]);
  }

  const toObjects = (v: Infer<S>, path = ''): WireObject[] => {
    const out: WireObject[] = [];
    const record = v as Record<string, unknown>;
    for (const [name, f] of entries) {
      const p = path ? `${path}.${name}` : name;
      const value = record[name];
      if (value === undefined) {
        if (f.mode === 'optional') continue;
        if (f.mode === 'required') fail('SCHEMA_MISSING_FIELD', 'local', p, 'is required');
      }
      const values = f.mode === 'repeated' ? (Array.isArray(value) ? value : fail('SCHEMA_BAD_TYPE', 'local', p, 'must be an array')) : [value];
      values.forEach((x: unknown, i) => {
        const at = f.mode === 'repeated' ? `${p}[${i}]` : p;
        out.push({ id: f.id, type: f.codec.type, value: f.codec.toWire(x, at) } as WireObject);
      });
    }
    return out;
  };

  const fromObjects = (list: readonly WireObject[], path = ''): Infer<S> => {
    const out: Record<string, unknown> = {};
    for (const [name, f] of entries) if (f.mode === 'repeated') out[name] = [];
    for (const o of list) {
      const known = byId.get(o.id);
      if (!known) continue; // a newer peer's field: skipped
      const [name, f] = known;
      const p = path ? `${path}.${name}` : name;
      if (o.type !== f.codec.type) fail('SCHEMA_BAD_TYPE', 'remote', p, `expected ${f.codec.type}, got ${o.type}`);
      if (f.mode === 'repeated') {
        const arr = out[name] as unknown[];
        arr.push(f.codec.fromWire(o.value, `${p}[${arr.length}]`));
      } else {
        if (name in out) fail('SCHEMA_BAD_TYPE', 'remote', p, 'appears more than once');
        out[name] = f.codec.fromWire(o.value, p);
      }
    }
    for (const [name, f] of entries) {
      if (f.mode === 'required' && !(name in out)) fail('SCHEMA_MISSING_FIELD', 'remote', path ? `${path}.${name}` : name, `is required (object id ${f.id})`);
    }
    return out as Infer<S>;
  };

  return {
    type: 'list',
    fields,
    toObjects,
    fromObjects,
    toWire: (v, p) => toObjects(v, p),
    fromWire: (v, p) => fromObjects(v as readonly WireObject[], p),
  };
}

/** A message type: a command id and the structure of its object list. */
export interface MessageSchema<N extends string, S extends Fields> extends Struct<S> {
  readonly name: N;
  readonly command: number;
  /** The wire message of a value. */
  toMessage(v: Infer<S>, requestId?: number): WireMessage;
  /** The value of a wire message of this command, or a coded error. */
  fromMessage(m: WireMessage): DecodeResult<Infer<S>>;
}

/** Defines a message type. */
export function defineMessage<const N extends string, S extends Fields>(name: N, command: number, fields: S): MessageSchema<N, S> {
  if (!Number.isInteger(command) || command < 0 || command > COMMAND_ID_MAX) throw new Error(`message ${name}: command ${command} out of range`);
  const s = struct(fields);
  return {
    ...s,
    name,
    command,
    toMessage: (v, requestId = 0) => ({ command, requestId, objects: s.toObjects(v, name) }),
    fromMessage: (m) => {
      if (m.command !== command) return { ok: false, error: new WireError('SCHEMA_UNKNOWN_COMMAND', `${name} expects command ${command}, got ${m.command}`) };
      return attempt(() => s.fromObjects(m.objects, name));
    },
  };
}

function attempt<T>(f: () => T): DecodeResult<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof WireError) return { ok: false, error: e };
    throw e;
  }
}

/** Any message schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMessageSchema = MessageSchema<string, any>;

/** A decoded message of a protocol: its name and typed value. */
export type ProtocolMessage<P extends readonly AnyMessageSchema[]> = {
  [K in keyof P]: P[K] extends MessageSchema<infer N, infer S> ? { readonly name: N; readonly requestId: number; readonly value: Infer<S> } : never;
}[number];

/** One protocol's table of message types, with unique command ids. */
export interface Protocol<P extends readonly AnyMessageSchema[]> {
  readonly name: string;
  readonly messages: P;
  /** Finds the schema of a message by its command and decodes it. */
  decode(m: WireMessage): DecodeResult<ProtocolMessage<P>>;
}

/** Defines a protocol from its message types; command ids and names must be unique. */
export function defineProtocol<const P extends readonly AnyMessageSchema[]>(name: string, messages: P): Protocol<P> {
  const byCommand = new Map<number, AnyMessageSchema>();
  for (const m of messages) {
    if (byCommand.has(m.command)) throw new Error(`protocol ${name}: ${byCommand.get(m.command)?.name} and ${m.name} share command ${m.command}`);
    if (messages.filter((x) => x.name === m.name).length > 1) throw new Error(`protocol ${name}: two messages named ${m.name}`);
    byCommand.set(m.command, m);
  }
  return {
    name,
    messages,
    decode: (m) => {
      const schema = byCommand.get(m.command);
      if (!schema) return { ok: false, error: new WireError('SCHEMA_UNKNOWN_COMMAND', `${name} has no command ${m.command}`) };
      const r = schema.fromMessage(m);
      return r.ok ? { ok: true, value: { name: schema.name, requestId: m.requestId, value: r.value } as ProtocolMessage<P> } : r;
    },
  };
}
