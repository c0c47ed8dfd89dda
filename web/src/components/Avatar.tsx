// A round avatar with the name's initial and, optionally, a presence dot; and the dot on its own.
import type { CSSProperties } from 'react';

import type { Presence } from '../api';
import { initial } from '../names';

/** A coloured presence dot (decorative: the presence is always written next to it). */
export function PresenceDot({ presence }: { presence: Presence | undefined }) {
  return <span className={`dot dot-${presence ?? 'offline'}`} aria-hidden="true" />;
}

/** A stable hue for a name, so each person keeps a colour. */
function hue(name: string): number {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

interface AvatarProps {
  readonly name: string;
  /** Show a presence dot (grey when the presence is not known). */
  readonly dot?: boolean;
  readonly presence?: Presence | undefined;
  readonly size?: 'sm' | 'md' | 'lg';
}

export function Avatar({ name, dot = false, presence, size = 'md' }: AvatarProps) {
  return (
    <span className={`avatar avatar-${size}`} style={{ '--avatar-hue': hue(name) } as CSSProperties} aria-hidden="true">
      {initial(name)}
      {dot && <PresenceDot presence={presence} />}
    </span>
  );
}
