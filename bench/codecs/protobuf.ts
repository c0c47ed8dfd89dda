/**
 * Protocol Buffers with protobufjs: bench/corpus/parley.proto, loaded at run time (no generated
 * code). The mapping WireMessage <-> protobuf object follows the tables of messages.ts (field
 * number = object id, oneof field number = command id), which are checked against the .proto.
 */

import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { formatIp, messageToJson, parseIp, type UInt, type WireMessage, type WireObject } from '../../src/wire/index.js';
import { COMMANDS, type CommandSpec, type FieldSpec, type ListSpec } from '../corpus/messages.js';
import { protoPath } from '../paths.js';
import { codec, type Codec, difference } from './codec.js';
import { group, specOf } from './natural.js';

const PACKAGE = 'parley.bench';

/** A protobufjs message object (plain object on encode, Message instance on decode). */
type ProtoObject = { [field: string]: unknown };

/** The protobuf codec; throws if parley.proto disagrees with the tables. */
export function protobufCodec(path: string = protoPath()): Codec {
  const root = protobuf.parse(readFileSync(path, 'utf8'), { keepCase: true }).root;
  const envelope = root.lookupType(`${PACKAGE}.Envelope`);
  checkSchema(root, envelope);
  return codec<ProtoObject>({
    name: 'protobuf',
    prepare: toProto,
    encodeValue: (v) => envelope.encode(v).finish(),
    decode: (b) => envelope.decode(b),
    check: (m, decoded) => {
      const back = fromProto(decoded as ProtoObject);
      return difference(JSON.parse(JSON.stringify(messageToJson(back))), messageToJson(m));
    },
  });
}

/** The Envelope object of a message. */
export function toProto(m: WireMessage): ProtoObject {
  const spec = specOf(m) as CommandSpec;
  return { request_id: m.requestId, [spec.key]: protoFields(spec, m.objects) };
}

function protoFields(spec: ListSpec, objects: readonly WireObject[]): ProtoObject {
  const out: ProtoObject = {};
  group(spec, objects, (field, values) => {
    out[field.name] = field.repeated ? values.map((v) => protoValue(field, v)) : protoValue(field, values[0] as WireObject);
  });
  return out;
}

function protoValue(field: FieldSpec, o: WireObject): unknown {
  switch (o.type) {
    case 'uint':
      return protoUInt(field, o.value);
    case 'fixed64':
      return longOf(o.value);
    case 'address':
      return { ip: parseIp(o.value.host), port: o.value.port };
    case 'string':
    case 'blob':
      return o.value;
    case 'list':
      if (!field.list) throw new Error(`${field.name}: list without a layout`);
      return protoFields(field.list, o.value);
    case 'uintList':
      return o.value.map((v) => protoUInt(field, v));
  }
}

function protoUInt(field: FieldSpec, v: UInt): unknown {
  if (field.proto === 'uint32' && (typeof v !== 'number' || v > 0xffff_ffff)) throw new Error(`${field.name}: ${v} does not fit uint32`);
  return typeof v === 'number' ? v : longOf(v);
}

/** A 64-bit value as protobufjs writes it (any object with 32-bit low and high halves). */
function longOf(v: bigint): { low: number; high: number; unsigned: true } {
  return { low: Number(v & 0xffff_ffffn) | 0, high: Number(v >> 32n) | 0, unsigned: true };
}

/** The message of a decoded Envelope. */
export function fromProto(envelope: ProtoObject): WireMessage {
  const spec = COMMANDS.find((c) => envelope[c.key] !== undefined && envelope[c.key] !== null);
  if (!spec) throw new Error('envelope has no body');
  return { command: spec.command, requestId: Number(envelope['request_id'] ?? 0), objects: wireObjects(spec, envelope[spec.key] as ProtoObject) };
}

function wireObjects(spec: ListSpec, obj: ProtoObject): WireObject[] {
  const out: WireObject[] = [];
  for (const field of spec.fields) {
    const v = obj[field.name];
    if (field.repeated) {
      for (const item of v as unknown[]) out.push(wireObject(field, item));
    } else if (v !== null && v !== undefined && (!field.optional || Object.hasOwn(obj, field.name))) {
      // Absent optional fields read as the prototype's default; only own properties were on the wire.
      out.push(wireObject(field, v));
    } else if (!field.optional) {
      throw new Error(`${spec.name}.${field.name}: missing`);
    }
  }
  return out;
}

function wireObject(field: FieldSpec, v: unknown): WireObject {
  const id = field.id;
  switch (field.type) {
    case 'uint':
      return { id, type: 'uint', value: uintOf(v) };
    case 'fixed64':
      return { id, type: 'fixed64', value: BigInt(String(v)) };
    case 'address': {
      const a = v as { ip: Uint8Array; port: number };
      return { id, type: 'address', value: { host: formatIp(a.ip), port: a.port } };
    }
    case 'string':
      return { id, type: 'string', value: v as string };
    case 'blob':
      return { id, type: 'blob', value: v as Uint8Array };
    case 'list':
      if (!field.list) throw new Error(`${field.name}: list without a layout`);
      return { id, type: 'list', value: wireObjects(field.list, v as ProtoObject) };
    case 'uintList':
      return { id, type: 'uintList', value: (v as unknown[]).map(uintOf) };
  }
}

function uintOf(v: unknown): UInt {
  if (typeof v === 'number') return v;
  const b = BigInt(String(v));
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

const PROTO_TYPE: Record<Exclude<FieldSpec['type'], 'uint' | 'list'>, string> = {
  fixed64: 'fixed64',
  address: 'Address',
  string: 'string',
  blob: 'bytes',
  uintList: 'uint64',
};

/** Throws unless every command and nested table matches parley.proto (numbers, names, types, cardinality). */
function checkSchema(root: protobuf.Root, envelope: protobuf.Type): void {
  const problems: string[] = [];
  const checkList = (spec: ListSpec): void => {
    const type = root.lookupType(`${PACKAGE}.${spec.name}`);
    if (type.fieldsArray.length !== spec.fields.length) problems.push(`${spec.name}: ${type.fieldsArray.length} fields in .proto, ${spec.fields.length} in the table`);
    for (const f of spec.fields) {
      const pf = type.fields[f.name];
      if (!pf) {
        problems.push(`${spec.name}.${f.name}: not in .proto`);
        continue;
      }
      const want = f.type === 'uint' ? (f.proto ?? 'uint64') : f.type === 'list' ? (f.list?.name ?? '?') : PROTO_TYPE[f.type];
      const repeated = f.repeated === true || f.type === 'uintList';
      const optional = pf.options?.['proto3_optional'] === true || f.type === 'list';
      if (pf.id !== f.id) problems.push(`${spec.name}.${f.name}: number ${pf.id} != id ${f.id}`);
      if (pf.type !== want) problems.push(`${spec.name}.${f.name}: type ${pf.type} != ${want}`);
      if (pf.repeated !== repeated) problems.push(`${spec.name}.${f.name}: repeated ${pf.repeated} != ${repeated}`);
      if (!repeated && optional !== (f.optional === true || f.type === 'list')) problems.push(`${spec.name}.${f.name}: optional differs`);
      if (f.list) checkList(f.list);
    }
  };
  for (const c of COMMANDS) {
    const pf = envelope.fields[c.key];
    if (!pf || pf.id !== c.command || pf.type !== c.name) problems.push(`Envelope.${c.key}: want ${c.name} = ${c.command}`);
    checkList(c);
  }
  if (problems.length > 0) throw new Error(`parley.proto disagrees with bench/corpus/messages.ts:\n  ${problems.join('\n  ')}`);
}
