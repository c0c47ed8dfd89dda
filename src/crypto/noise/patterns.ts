/** Section 7: handshake patterns as data. The twelve interactive fundamental patterns (7.5). */

/** A message token (section 7.1). */
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';

/** A handshake pattern: pre-messages and the messages, initiator first, alternating. */
export interface HandshakePattern {
  readonly name: string;
  /** Keys the responder knows of the initiator before the handshake. */
  readonly initiatorPreMessage: readonly ('e' | 's')[];
  /** Keys the initiator knows of the responder before the handshake. */
  readonly responderPreMessage: readonly ('e' | 's')[];
  readonly messages: readonly (readonly Token[])[];
}

const pattern = (name: string, pre: { i?: ('e' | 's')[]; r?: ('e' | 's')[] }, messages: Token[][]): HandshakePattern => ({
  name,
  initiatorPreMessage: pre.i ?? [],
  responderPreMessage: pre.r ?? [],
  messages,
});

/** Section 7.5, by name. */
export const PATTERNS: Readonly<Record<string, HandshakePattern>> = Object.fromEntries(
  [
    pattern('NN', {}, [['e'], ['e', 'ee']]),
    pattern('NK', { r: ['s'] }, [['e', 'es'], ['e', 'ee']]),
    pattern('NX', {}, [['e'], ['e', 'ee', 's', 'es']]),
    pattern('KN', { i: ['s'] }, [['e'], ['e', 'ee', 'se']]),
    pattern('KK', { i: ['s'], r: ['s'] }, [['e', 'es', 'ss'], ['e', 'ee', 'se']]),
    pattern('KX', { i: ['s'] }, [['e'], ['e', 'ee', 'se', 's', 'es']]),
    pattern('XN', {}, [['e'], ['e', 'ee'], ['s', 'se']]),
    pattern('XK', { r: ['s'] }, [['e', 'es'], ['e', 'ee'], ['s', 'se']]),
    pattern('XX', {}, [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']]),
    pattern('IN', {}, [['e', 's'], ['e', 'ee', 'se']]),
    pattern('IK', { r: ['s'] }, [['e', 'es', 's', 'ss'], ['e', 'ee', 'se']]),
    pattern('IX', {}, [['e', 's'], ['e', 'ee', 'se', 's', 'es']]),
  ].map((p) => [p.name, p]),
);
