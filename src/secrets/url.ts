/**
 * The one URL-credential cleaner. Every URL that comes from outside (git
 * origin, $GIT_URL, --set, tfvars, SSM, payload files, --verbose lines)
 * goes through it before it can be printed. It uses the WHATWG URL parser,
 * the one browsers and Node use, so `https://u:p@ss@host` splits where a
 * client would split it (at the last `@`), not where a regex guesses.
 *
 * Dropped: the user info (user and password), query parameters whose name
 * looks like a credential, and the fragment (tokens travel there in OAuth
 * implicit flows).
 */

/** Query parameter names that carry a credential (compared without case, `-` and `_`). */
const CREDENTIAL_PARAMS = new Set(
  [
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "auth",
    "authorization",
    "key",
    "api_key",
    "apikey",
    "secret",
    "client_secret",
    "password",
    "passwd",
    "pwd",
    "signature",
    "sig",
    "credential",
    "credentials",
    "session",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
  ].map(normaliseName),
);

/** Words that make any parameter name a credential's: `private_token`, `sas_sig`, `db_password`. */
const CREDENTIAL_WORDS = /token|secret|passw|signature|credential|apikey|accesskey|sessionkey/;

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

export function isCredentialParam(name: string): boolean {
  const normal = normaliseName(name);
  return CREDENTIAL_PARAMS.has(normal) || CREDENTIAL_WORDS.test(normal);
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export interface CleanedUrl {
  /** The URL without credentials, safe to print. */
  url: string;
  /** What was removed (password, token, parameter values), decoded: mask these everywhere. */
  credentials: string[];
}

/**
 * Remove the credentials from one URL. Text that is not a `scheme://` URL is
 * returned as is; a URL the parser refuses loses everything from its scheme
 * to its last `@` before the path, its query and its fragment.
 */
export function cleanUrlParts(text: string): CleanedUrl {
  const trimmed = text.trim();
  if (!SCHEME.test(trimmed)) return { url: text, credentials: [] };
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return fallback(trimmed);
  }
  const credentials: string[] = [];
  // The password is the secret; a lone user part of an https URL is usually a
  // token (https://TOKEN@github.com), while an ssh user (git, jenkins) is a name.
  if (parsed.password !== "") credentials.push(decodeSafely(parsed.password));
  else if (parsed.username !== "" && !parsed.protocol.startsWith("ssh") && parsed.protocol !== "git+ssh:")
    credentials.push(decodeSafely(parsed.username));
  parsed.username = "";
  parsed.password = "";
  const kept = new URLSearchParams();
  let dropped = false;
  for (const [name, value] of parsed.searchParams) {
    if (isCredentialParam(name)) {
      dropped = true;
      if (value !== "") credentials.push(value);
    } else {
      kept.append(name, value);
    }
  }
  if (dropped) parsed.search = kept.toString();
  // OAuth's implicit flow puts the token in the fragment: `#access_token=...`.
  for (const [name, value] of new URLSearchParams(parsed.hash.slice(1))) {
    if (isCredentialParam(name) && value !== "") credentials.push(value);
  }
  parsed.hash = "";
  // The WHATWG serialiser keeps a lone "?" when every parameter went.
  return { url: parsed.href.replace(/\?$/, ""), credentials };
}

/** The URL without its credentials (see `cleanUrlParts`). */
export function cleanUrl(text: string): string {
  return cleanUrlParts(text).url;
}

/** Every `scheme://...` URL inside free text, cleaned; the rest of the text untouched. */
export function cleanUrlsInText(text: string): string {
  const urls = findUrls(text);
  if (urls.length === 0) return text;
  let out = "";
  let cursor = 0;
  for (const { start, end } of urls) {
    out += text.slice(cursor, start) + cleanUrl(text.slice(start, end));
    cursor = end;
  }
  return out + text.slice(cursor);
}

/**
 * Every URL inside free text that carries a credential, cleaned; every other
 * URL left exactly as it was. For text that came from AWS (a job's error
 * message, a log line): a console link's `#/route`, an S3 key with a `#` in
 * it, a URL's own spelling are content there, not secrets.
 */
export function cleanCredentialUrlsInText(text: string): string {
  const urls = findUrls(text);
  if (urls.length === 0) return text;
  let out = "";
  let cursor = 0;
  for (const { start, end } of urls) {
    const url = text.slice(start, end);
    let shown = url;
    if (hasUserInfo(url)) shown = cleanUrlParts(url).url;
    else if (namesCredentialParam(url)) {
      const cleaned = cleanUrlParts(url);
      if (cleaned.credentials.length > 0) shown = cleaned.url;
    }
    out += text.slice(cursor, start) + shown;
    cursor = end;
  }
  return out + text.slice(cursor);
}

/**
 * Whether a parameter of the query or the fragment has a credential's name,
 * read as URLSearchParams reads names. Most URLs in text (console links, S3
 * URIs) have none: they are kept without the parser's cost, since every
 * printed line passes here.
 */
function namesCredentialParam(url: string): boolean {
  const query = url.search(/[?#]/);
  if (query === -1) return false;
  return url
    .slice(query + 1)
    .split(/[&#?]/)
    .some((pair) => isCredentialParam(decodeSafely((pair.split("=", 1)[0] ?? "").replaceAll("+", " "))));
}

/** `scheme://user@` or `scheme://user:password@` before the path. */
function hasUserInfo(url: string): boolean {
  const rest = url.replace(SCHEME, "");
  const authority = rest.split(/[/?#]/, 1)[0] ?? "";
  return authority.includes("@");
}

/** The credentials of every URL inside free text (to register with Secrets). */
export function credentialsInText(text: string): string[] {
  return findUrls(text).flatMap(({ start, end }) => cleanUrlParts(text.slice(start, end)).credentials);
}

/** What ends a URL in text (see findUrls); one regex search instead of a test per character. */
const URL_END = /[\s"<>`\\]/g;

const WHOLE_URL = /^[a-z][a-z0-9+.-]*:\/\/\S*$/i;

/** The longest scheme looked back for: real ones (https, git+ssh, s3) are short. */
const MAX_SCHEME = 32;

/**
 * Where the URLs in free text stand: around each `://`, the scheme before it
 * and everything up to a space, quote or angle bracket after it. Found from
 * the `://` outwards, in linear time (a regex starting at every letter of a
 * 270 KB value took 35 s).
 */
function findUrls(text: string): Array<{ start: number; end: number }> {
  // A value that is one URL (a --set, tfvars or SSM value) is taken whole,
  // whatever characters it holds: `'` and `)` are legal in a password.
  if (WHOLE_URL.test(text)) return [{ start: 0, end: text.length }];
  const urls: Array<{ start: number; end: number }> = [];
  let from = 0;
  for (let sep = text.indexOf("://", from); sep !== -1; sep = text.indexOf("://", from)) {
    let start = sep;
    while (start > 0 && sep - start < MAX_SCHEME && /[a-z0-9+.-]/i.test(text[start - 1] ?? "")) start--;
    while (start < sep && !/[a-z]/i.test(text[start] ?? "")) start++;
    let end = sep + 3;
    // `'` is legal inside a URL (a password may hold one), so only spaces, `"`, `<`, `>`, backticks and
    // backslashes (a JSON escape in text: `\"`, `\n`) end it...
    URL_END.lastIndex = end;
    end = URL_END.exec(text)?.index ?? text.length;
    end = closingQuote(text, start, sep + 3, end);
    // ...and so does the next URL: `https://a@x/p,https://b@y/q` is two.
    const next = text.indexOf("://", sep + 3);
    if (next !== -1 && next < end) {
      let nextStart = next;
      while (nextStart > sep + 3 && /[a-z0-9+.-]/i.test(text[nextStart - 1] ?? "")) nextStart--;
      end = Math.max(sep + 4, /[,;|]/.test(text[nextStart - 1] ?? "") ? nextStart - 1 : nextStart);
    }
    if (start < sep && end > sep + 3) urls.push({ start, end });
    from = end;
  }
  return urls;
}

/** How far back a quote that opens the word holding a URL is looked for. */
const MAX_QUOTE_LOOKBACK = 2048;

/**
 * A URL inside a word quoted with `'` (a message quotes what the user gave:
 * `'https://u:p@host/x' is not an ARN`) ends at the quote that closes the
 * word: the last `'` followed only by punctuation before the URL's end. A
 * `'` inside a password is followed by more of it, so it stays in the URL.
 */
function closingQuote(text: string, start: number, from: number, end: number): number {
  let word = start;
  while (word > 0 && start - word < MAX_QUOTE_LOOKBACK && !/\s/.test(text[word - 1] ?? "")) word--;
  if (text[word] !== "'") return end;
  const quote = text.lastIndexOf("'", end - 1);
  return quote >= from && /^[.,;:!?)\]]*$/.test(text.slice(quote + 1, end)) ? quote : end;
}

/** The parser refused it: drop everything that could hold a credential. */
function fallback(url: string): CleanedUrl {
  const scheme = SCHEME.exec(url)?.[0] ?? "";
  const rest = url.slice(scheme.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf("@");
  const credentials: string[] = [];
  if (at !== -1) {
    for (const part of authority.slice(0, at).split(/:(.*)/s)) if (part) credentials.push(decodeSafely(part));
  }
  const path = authorityEnd === -1 ? "" : rest.slice(authorityEnd).replace(/[?#].*$/s, "");
  return { url: `${scheme}${authority.slice(at + 1)}${path}`, credentials };
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Variables that hold a URL batchinf or the SDK may print: AWS_ENDPOINT_URL(_*), proxies, Jenkins' and git's. */
const URL_VARIABLE = /(^|_)URL(_|$)|(^|_)PROXY$/i;

/** The values of the environment's URL variables, for their credentials to be masked from the start. */
export function urlVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env).flatMap(([name, value]) => (value && URL_VARIABLE.test(name) ? [value] : []));
}
