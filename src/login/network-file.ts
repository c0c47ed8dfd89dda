/**
 * `network.json`: the public description of a Parley network (DESIGN.md): its name, the CA's
 * public key, the login servers' endpoints and static keys, and the bootstrap supernodes. Anyone
 * may read it; it holds no secret. Reading one is total: a value, or a coded error with a reason.
 */

/** An endpoint with the static Noise key that answers there. */
export interface ServerEntry {
  /** "udp:host:port" or "tcp:host:port" ("[v6]" in brackets). */
  readonly endpoints: readonly string[];
  /** The server's static X25519 public key, hex. */
  readonly staticKey: string;
}

/** The contents of network.json. */
export interface NetworkFile {
  readonly version: 1;
  readonly name: string;
  /** The certificate authority's Ed25519 public key, hex. */
  readonly ca: { readonly publicKey: string };
  readonly loginServers: readonly ServerEntry[];
  readonly bootstrapSupernodes: readonly ServerEntry[];
}

const ENDPOINT = /^(udp|tcp):(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):([0-9]{1,5})$/;

/** One endpoint of a server entry, parsed. */
export interface ServerAddress {
  readonly transport: 'udp' | 'tcp';
  readonly host: string;
  readonly port: number;
}

/** "udp:host:port" or "tcp:[v6]:port" as a ServerAddress, or null. */
export function parseServerEndpoint(text: string): ServerAddress | null {
  const m = ENDPOINT.exec(text);
  if (!m || Number(m[3]) > 0xffff) return null;
  const host = (m[2] as string).replace(/^\[(.*)\]$/, '$1');
  return { transport: m[1] as 'udp' | 'tcp', host, port: Number(m[3]) };
}

/** The first UDP endpoint among `endpoints` (IPv4 only, when asked), or null. */
export function firstUdpEndpoint(endpoints: readonly string[], options: { ipv4Only?: boolean } = {}): ServerAddress | null {
  for (const text of endpoints) {
    const e = parseServerEndpoint(text);
    if (e?.transport === 'udp' && !(options.ipv4Only === true && e.host.includes(':'))) return e;
  }
  return null;
}

/** Network names: what people type and see; letters, digits, dots, dashes and underscores. */
export const NETWORK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const KEY_HEX = /^[0-9a-f]{64}$/;

/** Why a network file was refused. */
export class NetworkFileError extends Error {
  override readonly name = 'NetworkFileError';
  readonly code = 'NETWORK_FILE_INVALID';
}

function fail(what: string): never {
  throw new NetworkFileError(`network.json: ${what}`);
}

function servers(raw: unknown, what: string): ServerEntry[] {
  if (!Array.isArray(raw)) fail(`${what} must be an array`);
  return raw.map((e: unknown, i) => {
    const r = (typeof e === 'object' && e !== null ? e : fail(`${what}[${i}] must be an object`)) as Record<string, unknown>;
    const endpoints = r['endpoints'];
    if (!Array.isArray(endpoints) || endpoints.length === 0) fail(`${what}[${i}].endpoints must be a non-empty array`);
    for (const ep of endpoints) {
      if (typeof ep !== 'string' || parseServerEndpoint(ep) === null) fail(`${what}[${i}].endpoints: ${JSON.stringify(ep)} is not "udp:host:port" or "tcp:host:port"`);
    }
    const staticKey = r['staticKey'];
    if (typeof staticKey !== 'string' || !KEY_HEX.test(staticKey)) fail(`${what}[${i}].staticKey must be 64 lowercase hex digits`);
    return { endpoints: endpoints as string[], staticKey };
  });
}

/** Reads the parsed JSON of a network file; throws NetworkFileError saying what is wrong. */
export function readNetworkFile(raw: unknown): NetworkFile {
  const r = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : fail('must be a JSON object')) as Record<string, unknown>;
  if (r['version'] !== 1) fail(`version ${JSON.stringify(r['version'])} is not supported (this program reads version 1)`);
  const name = r['name'];
  if (typeof name !== 'string' || !NETWORK_NAME_PATTERN.test(name)) fail('name must be 1-63 letters, digits, dots, dashes or underscores');
  const ca = r['ca'] as Record<string, unknown> | undefined;
  const caKey = ca?.['publicKey'];
  if (typeof caKey !== 'string' || !KEY_HEX.test(caKey)) fail('ca.publicKey must be 64 lowercase hex digits');
  return { version: 1, name, ca: { publicKey: caKey }, loginServers: servers(r['loginServers'], 'loginServers'), bootstrapSupernodes: servers(r['bootstrapSupernodes'], 'bootstrapSupernodes') };
}
