// Test support: what a browser tab adds to fetch, for the lib's tests against the real server.

/** fetch as a browser tab does it: the server's cookies kept and sent back, Origin on POSTs. */
export function browserFetch(origin: string): typeof fetch {
  const jar = new Map<string, string>();
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("origin", origin);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    return res;
  };
}
