// Parley's word mark: a blue disc with a handset, and the name.
export function Logo({ small = false }: { small?: boolean }) {
  return (
    <span className={small ? 'logo logo-small' : 'logo'}>
      <svg viewBox="0 0 32 32" width={small ? 26 : 40} height={small ? 26 : 40} aria-hidden="true" focusable="false">
        <circle cx="16" cy="16" r="15" fill="var(--accent)" />
        <path d="M11.3 8.5h2.6l1.4 3.7-1.8 1.2a9.8 9.8 0 0 0 4.9 4.9l1.2-1.8 3.7 1.4v2.6a1.7 1.7 0 0 1-1.9 1.7A14.5 14.5 0 0 1 9.6 10.4a1.7 1.7 0 0 1 1.7-1.9z" fill="#fff" />
      </svg>
      <span className="logo-word">Parley</span>
    </span>
  );
}
