import { inspect } from 'node:util';

/*
 * What a log line or a health answer may say about a secret: nothing. Connection URLs keep their
 * scheme, user, host, port and database — an operator needs them to find the fault — and lose
 * their password (`redis://:***@cache:6379`). Every line that prints a URL from the configuration,
 * or an error whose message may embed one, goes through here.
 */

/** Query parameters that carry a credential in the URLs we are given (libpq's `password=`, tokens). */
const SECRET_PARAMS = /([?&](?:password|pass|pwd|token|access_token|auth|secret|key)=)[^&#\s'"]*/gi;

/**
 * `scheme://user:password@` anywhere in a text. The password runs to the authority's last `@`
 * (greedy, but never across `/ ? #` or a space), as URL parsers read it.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*):[^\s/?#'"]*@/gi;

/** Every credential in `text` replaced by `***`. */
export function redactSecrets(text: string): string {
  return text.replace(USERINFO, '$1:***@').replace(SECRET_PARAMS, '$1***');
}

/** A URL from the configuration, fit for a log line: its password (and any credential parameter) as `***`. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Unparsable: echoing it could echo a password the parser could not find.
    return '(an unparsable URL)';
  }
  if (parsed.password) parsed.password = '***';
  return redactSecrets(parsed.toString());
}

/** An error as console.error would print it (stack, cause, driver fields), with its credentials removed. */
export function redactError(error: unknown): string {
  return redactSecrets(error instanceof Error ? inspect(error) : String(error));
}
