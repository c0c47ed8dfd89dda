/**
 * The object-list value model shared by both encodings.
 *
 * A message is a command id, a request id and a list of typed objects, each carrying a numeric id.
 * Unsigned integers up to 2^64-1 are `number` while they are safe integers (<= 2^53-1) and
 * `bigint` above that; decoders always return that normal form, encoders accept either.
 */

/** An unsigned integer in normal form: a safe-integer `number`, or a `bigint` above 2^53-1. */
export type UInt = number | bigint;

/** An IP endpoint. `host` is a dotted quad or an RFC 5952 canonical IPv6 text. */
export interface NetAddress {
  readonly host: string;
  readonly port: number;
}

/** The seven object types, in wire order (the index is the type code). */
export const OBJECT_TYPES = ['uint', 'fixed64', 'address', 'string', 'blob', 'list', 'uintList'] as const;

/** An object type name. */
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** One typed object of an object list. */
export type WireObject =
  | { readonly id: number; readonly type: 'uint'; readonly value: UInt }
  | { readonly id: number; readonly type: 'fixed64'; readonly value: bigint }
  | { readonly id: number; readonly type: 'address'; readonly value: NetAddress }
  | { readonly id: number; readonly type: 'string'; readonly value: string }
  | { readonly id: number; readonly type: 'blob'; readonly value: Uint8Array }
  | { readonly id: number; readonly type: 'list'; readonly value: readonly WireObject[] }
  | { readonly id: number; readonly type: 'uintList'; readonly value: readonly UInt[] };

/** A signalling message: command id, request id (0 = none) and an object list sorted by id. */
export interface WireMessage {
  readonly command: number;
  readonly requestId: number;
  readonly objects: readonly WireObject[];
}

/** Largest object id; ids are small by design (schemas number their fields). */
export const OBJECT_ID_MAX = 0xffff;
/** Largest command id. */
export const COMMAND_ID_MAX = 0xffff;
/** Largest request id (a 32-bit per-session counter). */
export const REQUEST_ID_MAX = 0xffff_ffff;
/** Largest value of `uint` and `fixed64`. */
export const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
