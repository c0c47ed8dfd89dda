/** The `parley` command tree: one group per area, one file per command under commands/. */

import { Command } from 'commander';

import { addAccountCommands } from './commands/account.js';
import { addBenchChatCommand } from './commands/bench-chat.js';
import { addBenchCodecCommand } from './commands/bench-codec.js';
import { addBenchMediaCommand } from './commands/bench-media.js';
import { addLoginServerCommand } from './commands/login-server.js';
import { addCallCommands } from './commands/call.js';
import { addChatCommands } from './commands/chat.js';
import { addDevCommands } from './commands/dev-up.js';
import { addNatProbeCommand } from './commands/nat-probe.js';
import { addNodeCommand } from './commands/node.js';
import { addWebCommand } from './commands/web.js';
import { addSupernodeCommands } from './commands/supernode.js';
import { addCertVerifyCommand } from './commands/cert-verify.js';
import { addNetworkInitCommand } from './commands/network-init.js';
import { addNetworkIssueSupernodeCommand } from './commands/network-issue-supernode.js';
import { addBenchDirectoryCommand } from './commands/bench-directory.js';
import { addBenchLoginCommand } from './commands/bench-login.js';
import { addBenchTransportCommand } from './commands/bench-transport.js';
import { addSelftestNoiseCommand } from './commands/selftest-noise.js';
import { addSelftestRandomnessCommand } from './commands/selftest-randomness.js';
import { addWireDecodeCommand } from './commands/wire-decode.js';
import { addWireEncodeCommand } from './commands/wire-encode.js';
import type { CliIo } from './io.js';
import { installUsageHandling } from './usage.js';
import { packageVersion } from './version.js';

/** Where commands load optional parts from; tests point these elsewhere. */
export interface ProgramOptions {
  /** The codec benchmark runner module (default: dist/bench/codec-bench.js). */
  readonly codecBenchUrl?: URL;
}

/** Builds the full command tree, writing to `io` and never exiting the process. */
export function buildProgram(io: CliIo, options: ProgramOptions = {}): Command {
  const program = new Command('parley')
    .description('Parley: an open peer-to-peer Internet telephony network')
    .version(packageVersion(), '-V, --version', 'print the version');

  const wire = program.command('wire').description('encode and decode wire messages (object lists)');
  addWireDecodeCommand(wire, io);
  addWireEncodeCommand(wire, io);

  const network = program.command('network').description('create and run a Parley network (certificate authority, keys, network.json)');
  addNetworkInitCommand(network, io);
  addNetworkIssueSupernodeCommand(network, io);

  addLoginServerCommand(program, io);
  addSupernodeCommands(program, io);
  addNodeCommand(program, io);
  addWebCommand(program, io);
  addChatCommands(program, io);
  addCallCommands(program, io);
  addDevCommands(program, io);
  addAccountCommands(program, io);
  const nat = program.command('nat').description('NAT traversal tools');
  addNatProbeCommand(nat, io);

  const cert = program.command('cert').description('inspect and verify certificates');
  addCertVerifyCommand(cert, io);

  const bench = program.command('bench').description('run benchmarks');
  addBenchCodecCommand(bench, io, options.codecBenchUrl);
  addBenchTransportCommand(bench, io);
  addBenchLoginCommand(bench, io);
  addBenchDirectoryCommand(bench, io);
  addBenchChatCommand(bench, io);
  addBenchMediaCommand(bench, io);

  const selftest = program.command('selftest').description('check the implementation against reference data');
  addSelftestNoiseCommand(selftest, io);
  addSelftestRandomnessCommand(selftest, io);

  installUsageHandling(program, io);
  return program;
}
