/** Parley: the library entry. Protocol layers are exported from their own entries (`parley/wire`). */
export * as wire from './wire/index.js';
