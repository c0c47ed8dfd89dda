// Small line icons drawn inline (no icon font or files); decorative, so hidden from assistive technology.
const PATHS = {
  chat: 'M21 12a8.5 8.5 0 0 1-12.3 7.6L3.5 21l1.4-4.9A8.5 8.5 0 1 1 21 12z',
  phone: 'M6.6 3.5h3l1.6 4.3-2.1 1.4a11.5 11.5 0 0 0 5.7 5.7l1.4-2.1 4.3 1.6v3a2 2 0 0 1-2.2 2A17 17 0 0 1 4.6 5.7a2 2 0 0 1 2-2.2z',
  mic: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM18.5 11.5a6.5 6.5 0 0 1-13 0M12 18v3',
  micOff: 'M9 9v3a3 3 0 0 0 5.1 2.1M15 10V6a3 3 0 0 0-5.7-1.3M18.5 11.5a6.5 6.5 0 0 1-1.1 3.6M5.5 11.5a6.5 6.5 0 0 0 10.2 5.3M12 18v3M3.5 3.5l17 17',
  pause: 'M8.5 5v14M15.5 5v14',
  play: 'M7 4.5l12 7.5-12 7.5z',
  back: 'M15 18l-6-6 6-6',
  search: 'M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 1 0 0-13zM20.5 20.5l-5.2-5.2',
  plus: 'M12 5v14M5 12h14',
  outgoing: 'M7 17L17 7M9 7h8v8',
  incoming: 'M17 7L7 17M15 17H7V9',
  signOut: 'M14 4h4.5A1.5 1.5 0 0 1 20 5.5v13a1.5 1.5 0 0 1-1.5 1.5H14M10 8l-4 4 4 4M6 12h10',
  close: 'M6 6l12 12M18 6L6 18',
  users: 'M16 20v-1.5a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4V20M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 1 0 0 7zM22 20v-1.5a4 4 0 0 0-3-3.9M16 4.1a3.5 3.5 0 0 1 0 6.8',
  userPlus: 'M15 20v-1.5a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4V20M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 1 0 0 7zM19 8v6M16 11h6',
} as const;

export type IconName = keyof typeof PATHS | 'hangUp';

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  const d = name === 'hangUp' ? PATHS.phone : PATHS[name];
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={d} transform={name === 'hangUp' ? 'rotate(135 12 12)' : undefined} />
    </svg>
  );
}
