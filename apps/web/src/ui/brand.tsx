/** Hearth's mark: a flame on the dark ground. Decorative; the name is always beside it. */
export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#2a2d35" />
      <path
        d="M16 5c2 5 8 7 8 14a8 8 0 0 1-16 0c0-4 2-6 4-8 0 3 1 5 3 5-1-4 0-8 1-11z"
        fill="#f0883e"
      />
    </svg>
  );
}
