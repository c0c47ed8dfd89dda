/**
 * The web client (web/, built into dist/web by `npm run build`), served by every daemon at `/` on
 * its API port, so that opening the daemon's link in a browser gives the app with no other server.
 * The page is public (it holds no secret); everything it does goes through `/v1` with the web
 * token, which the link carries in its fragment (never sent to a server). A daemon run from a
 * build without the web client answers `/` with a page that says so.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where the built web client is (dist/web, beside dist/src). */
export const WEB_CLIENT_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * What the page may load and connect to: itself only. Media from the microphone never needs a
 * source; inline styles are React's style attributes.
 */
const CONTENT_SECURITY_POLICY = "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The link that opens the web client of the daemon at `apiUrl`, signed in to its API with `token`. */
export function webClientUrl(apiUrl: string, token: string): string {
  return `${apiUrl}/#token=${token}`;
}

/** Serves the web client from `dir` (default: the build's). */
export async function registerWebClient(app: FastifyInstance, dir: string = WEB_CLIENT_DIR): Promise<void> {
  if (!existsSync(`${dir}/index.html`)) {
    app.get('/', { schema: { hide: true } }, (_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('This Parley daemon was built without its web client: run `npm run build` (which builds web/ into dist/web) and start it again.\n'));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: 'index.html',
    wildcard: false,
    setHeaders: (res) => {
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
}
