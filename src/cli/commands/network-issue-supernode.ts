/**
 * `parley network issue-supernode --network DIR --noise-key HEX --endpoint E... --out FILE
 * [--days N] [--json]`: the operator's CA certifies a supernode ("managed" mode).
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';

import { signingKeyFromSeed } from '../../crypto/ed25519.js';
import { CA_KEY_FILE, KeyFileError, NETWORK_FILE, readSecretKey } from '../../login/key-files.js';
import { NetworkFileError, readNetworkFile } from '../../login/network-file.js';
import { issueSupernodeCertificate, SupernodeCertificateError } from '../../login/supernode-certificate.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import { parseJson } from '../input.js';
import { type CliIo, writeJson } from '../io.js';
import { commandPath } from '../usage.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Longest validity the command issues. */
const DAYS_MAX = 366;

function parseDays(text: string): number {
  const n = Number(text);
  if (!/^\d{1,3}$/.test(text.trim()) || n < 1 || n > DAYS_MAX) throw new InvalidArgumentError(`Expected a whole number of days, 1 to ${DAYS_MAX}.`);
  return n;
}

function parseKey(text: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new InvalidArgumentError('Expected 64 hex digits (an X25519 public key).');
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Adds `issue-supernode` under `network`. */
export function addNetworkIssueSupernodeCommand(network: Command, io: CliIo): void {
  const cmd = network
    .command('issue-supernode')
    .description("certify a supernode with the network's CA (managed mode): its Noise key and public endpoints")
    .requiredOption('--network <dir>', 'the network directory (with ca.key)')
    .requiredOption('--noise-key <hex>', "the supernode's Noise static public key", parseKey)
    .requiredOption('--endpoint <endpoint>', 'a public endpoint, "udp:host:port" or "tcp:host:port"; repeatable', (v: string, all: string[] = []) => [...all, v])
    .requiredOption('--out <file>', 'where to write the certificate (never overwritten)')
    .option('--days <n>', 'validity in days (default 30)', parseDays)
    .option('--json', 'print { out, serial, notAfter } as JSON')
    .action((opts: { network: string; noiseKey: Uint8Array; endpoint: string[]; out: string; days?: number; json?: boolean }) => {
      let cert: Uint8Array;
      try {
        const network = readNetworkFile(parseJson(readFileSync(join(opts.network, NETWORK_FILE), 'utf8')));
        const ca = signingKeyFromSeed(readSecretKey(join(opts.network, CA_KEY_FILE), 'parley-ca-key'));
        cert = issueSupernodeCertificate(ca, {
          network: network.name,
          noiseKey: opts.noiseKey,
          endpoints: opts.endpoint,
          notBefore: Date.now(),
          ...(opts.days !== undefined ? { validityMs: opts.days * DAY_MS } : {}),
        });
      } catch (e) {
        if (e instanceof SupernodeCertificateError || e instanceof NetworkFileError || e instanceof KeyFileError) throw new CliError(e.message, EXIT_USAGE, commandPath(cmd));
        if (e instanceof CliError) throw e;
        throw new CliError(`cannot read the network in ${opts.network}: ${e instanceof Error ? e.message : String(e)}`, EXIT_USAGE, commandPath(cmd));
      }
      try {
        writeFileSync(opts.out, cert, { flag: 'wx' });
      } catch (e) {
        throw new CliError(`cannot write ${opts.out}: ${e instanceof Error ? e.message : String(e)}`, EXIT_FAILURE);
      }
      if (opts.json === true) writeJson(io.stdout, { out: opts.out, bytes: cert.length });
      else io.stdout.write(`supernode certificate written to ${opts.out} (${cert.length} bytes); check it with parley cert verify\n`);
    });
}
