/**
 * `WWW-Authenticate` challenges (RFC 7235 §4.1) as registries send them:
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`
 * or `Basic realm="..."`. See https://distribution.github.io/distribution/spec/auth/token/
 */

/** One challenge: its scheme (lowercase) and parameters (names lowercase). */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** Parses a header into challenges; malformed trailing input is dropped. */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const out: Challenge[] = [];
  let rest = header.trim();
  let current: { scheme: string; params: Record<string, string> } | undefined;
  while (rest !== '') {
    const name = token.exec(rest)?.[0];
    if (name === undefined) break;
    const after = rest.slice(name.length).trimStart();
    if (after.startsWith('=') && current !== undefined) {
      const value = readValue(after.slice(1).trimStart());
      current.params[name.toLowerCase()] = value.value;
      rest = value.rest.replace(/^\s*,?\s*/, '');
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      rest = after.replace(/^,\s*/, '');
    }
  }
  return out;
}

/** Reads a quoted-string (with `\` escapes) or a token. */
function readValue(s: string): { value: string; rest: string } {
  if (!s.startsWith('"')) {
    const m = /^[^,\s]*/.exec(s)?.[0] ?? '';
    return { value: m, rest: s.slice(m.length) };
  }
  let value = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') value += s[++i] ?? '';
    else if (c === '"') return { value, rest: s.slice(i + 1) };
    else value += c;
  }
  return { value, rest: '' };
}
