// Builds the web client (web/) into dist/web, which every daemon serves on its API port
// (src/api/web-client.ts). `npm run build` runs it after tsc; nothing here is fetched at run time.
import { fileURLToPath, URL } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The daemon serves these from disk on loopback: no reason to split for a CDN.
    chunkSizeWarningLimit: 1024,
  },
  worker: { format: 'es' },
});
