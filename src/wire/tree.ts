/**
 * A readable, indented tree of one message, for `parley wire decode` and debugging.
 *
 * One line per object: `[id] type value`, nested lists indented two spaces per level. Values:
 * strings JSON-quoted, blobs as hex (long ones cut, with their length), addresses as host:port,
 * fixed64 as 0x and 16 hex digits, uintList as `[a, b]`.
 */

import { formatEndpoint } from './address.js';
import { toHex } from './json.js';
import type { WireEncoding } from './message.js';
import type { WireMessage, WireObject } from './types.js';

/** Blobs longer than this many bytes are shown cut to this many, followed by their length. */
export const TREE_BLOB_BYTES_SHOWN = 32;

/** What the tree's header line may add about the bytes the message came from. */
export interface TreeSource {
  /** The encoding the message was decoded from. */
  readonly encoding?: WireEncoding;
  /** The length of the encoded message in bytes. */
  readonly bytes?: number;
}

const INDENT = '  ';

function formatBlob(bytes: Uint8Array): string {
  if (bytes.length === 0) return '(0 bytes)';
  if (bytes.length <= TREE_BLOB_BYTES_SHOWN) return toHex(bytes);
  return `${toHex(bytes.subarray(0, TREE_BLOB_BYTES_SHOWN))}… (${bytes.length} bytes)`;
}

function formatObject(o: WireObject, depth: number, out: string[]): void {
  const head = `${INDENT.repeat(depth)}[${o.id}] ${o.type}`;
  switch (o.type) {
    case 'uint':
      out.push(`${head} ${o.value.toString()}`);
      return;
    case 'fixed64':
      out.push(`${head} 0x${o.value.toString(16).padStart(16, '0')}`);
      return;
    case 'address':
      out.push(`${head} ${formatEndpoint(o.value.host, o.value.port)}`);
      return;
    case 'string':
      out.push(`${head} ${JSON.stringify(o.value)}`);
      return;
    case 'blob':
      out.push(`${head} ${formatBlob(o.value)}`);
      return;
    case 'uintList':
      out.push(`${head} [${o.value.map((v) => v.toString()).join(', ')}]`);
      return;
    case 'list':
      out.push(`${head} (${o.value.length} ${o.value.length === 1 ? 'object' : 'objects'})`);
      for (const child of o.value) formatObject(child, depth + 1, out);
      return;
  }
}

/** The message as an indented tree: a header line, then one line per object; no final newline. */
export function formatTree(m: WireMessage, source: TreeSource = {}): string {
  const about: string[] = [];
  if (source.encoding !== undefined) about.push(source.encoding);
  if (source.bytes !== undefined) about.push(`${source.bytes} ${source.bytes === 1 ? 'byte' : 'bytes'}`);
  const lines = [`message command=${m.command} requestId=${m.requestId}${about.length ? ` (${about.join(', ')})` : ''}`];
  for (const o of m.objects) formatObject(o, 1, lines);
  return lines.join('\n');
}
