/** A port number to give a server that must be named before it starts (a supernode's certificate names its endpoint). */

import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port number free on both UDP and TCP at `host` right now (it may be taken again before use: callers bind soon after). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => udp.bind(0, host, resolve));
    const port = udp.address().port;
    const tcp = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    udp.close();
    if (ok) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      return port;
    }
  }
}
