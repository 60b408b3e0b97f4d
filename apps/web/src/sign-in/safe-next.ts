/**
 * Where to go after signing in: a path on this site only (`?next=` must not send a person
 * to another site after they typed their password).
 */
export function safeNext(next: string | null | undefined): string {
  const local = next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
  return local && next ? next : "/";
}
