/**
 * Signing a device in at the network's login server, from the daemon (the web client's sign-up and
 * sign-in) and from `parley dev up`: the account registered with OPAQUE (the password stays in this
 * process), the device logged in and its certificate saved in the profile.
 */

import { LoginClient, LoginClientError } from '../login/client.js';
import { parseServerEndpoint, type NetworkFile, type ServerAddress } from '../login/network-file.js';
import { deviceIdentity, saveCertificate } from '../login/profile.js';

/** A session to the network's (first) login server; `run` is given it and it is closed after. */
export async function withLoginServer<T>(network: NetworkFile, run: (client: LoginClient) => Promise<T>): Promise<T> {
  const entry = network.loginServers[0];
  if (!entry) throw new LoginClientError('UNREACHABLE', 'network.json names no login server');
  const addresses = entry.endpoints.map(parseServerEndpoint).filter((e): e is ServerAddress => e !== null);
  const client = await LoginClient.connect(new Uint8Array(Buffer.from(entry.staticKey, 'hex')), addresses);
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}

/** Registers `username` first when `register`, then logs the profile's device in and saves the certificate. */
export async function signInAtLoginServer(network: NetworkFile, profileDir: string, username: string, password: string, register: boolean): Promise<void> {
  const keys = deviceIdentity(profileDir);
  await withLoginServer(network, async (client) => {
    if (register) await client.register(username, password);
    saveCertificate(profileDir, await client.login(username, password, { deviceId: keys.deviceId, noiseKey: keys.noise.publicKey, signingKey: keys.signing.publicKey }));
  });
}
