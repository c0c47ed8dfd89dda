/** `parley cert verify FILE --network network.json [--at MS] [--json]`: check a certificate. */

import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';

import { verifyCertificate } from '../../login/certificate.js';
import { NetworkFileError, readNetworkFile } from '../../login/network-file.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import { parseJson } from '../input.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

/** Largest certificate file read. */
const CERTIFICATE_FILE_MAX_BYTES = 64 * 1024;

function parseTime(text: string): number {
  const n = Number(text);
  if (!/^\d{1,15}$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected milliseconds since 1970.');
  return n;
}

function readFile(path: string, what: string, cmd: Command, max: number): Buffer {
  try {
    const b = readFileSync(path);
    if (b.length > max) throw new Error(`larger than ${max} bytes`);
    return b;
  } catch (e) {
    throw new CliError(`CLI_BAD_FILE: cannot read the ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE, commandPath(cmd));
  }
}

/** Adds `verify` under `cert`. */
export function addCertVerifyCommand(cert: Command, io: CliIo): void {
  const cmd = cert
    .command('verify')
    .description("check a certificate against a network's CA key, its network name and the time; exits 1 if it does not verify")
    .argument('<file>', 'the certificate (as the login server issues it)')
    .requiredOption('--network <file>', 'the network.json to verify against')
    .option('--at <ms>', 'check validity at this time (milliseconds since 1970; default: now)', parseTime)
    .option('--json', 'print { valid, code?, reason?, certificate? } as JSON')
    .action((file: string, opts: { network: string; at?: number; json?: boolean }) => {
      let network;
      try {
        network = readNetworkFile(parseJson(readFile(opts.network, 'network file', cmd, 1024 * 1024).toString('utf8')));
      } catch (e) {
        if (e instanceof NetworkFileError) throw new CliError(e.message, EXIT_USAGE, commandPath(cmd));
        throw e;
      }
      const bytes = readFile(file, 'certificate', cmd, CERTIFICATE_FILE_MAX_BYTES);
      const check = verifyCertificate(new Uint8Array(bytes), new Uint8Array(Buffer.from(network.ca.publicKey, 'hex')), network.name, opts.at ?? Date.now());
      const shown = check.ok
        ? {
            ...check.body,
            deviceId: check.body.deviceId && Buffer.from(check.body.deviceId).toString('hex'),
            noiseKey: Buffer.from(check.body.noiseKey).toString('hex'),
            signingKey: check.body.signingKey && Buffer.from(check.body.signingKey).toString('hex'),
            notBefore: new Date(check.body.notBefore).toISOString(),
            notAfter: new Date(check.body.notAfter).toISOString(),
          }
        : undefined;
      if (opts.json === true) writeJson(io.stdout, check.ok ? { valid: true, certificate: shown } : { valid: false, code: check.code, reason: check.reason });
      else if (check.ok) io.stdout.write(`valid: ${check.body.kind} certificate of ${check.body.username ?? check.body.endpoints.join(', ')} on ${check.body.network}, serial ${check.body.serial}, until ${new Date(check.body.notAfter).toISOString()}\n`);
      if (!check.ok) throw new CliError(`${check.code}: ${check.reason}`, EXIT_FAILURE);
    });
}
