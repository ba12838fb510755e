import { cleanUrl, cleanUrlParts } from "../secrets/url.js";

/**
 * Turn any form of a git remote URL into the pipeline's repository key,
 * `<host-label>/<owner>/<repo>.git`. Credentials in the URL (a user, a token,
 * `user:token@`, a token in the query) are dropped here by the one cleaner
 * (secrets/url.ts), before the value can reach a log.
 */

export type RepositoryParse =
  | { ok: true; repository: string /** The URL without credentials, safe to log. */; safeUrl: string }
  | { ok: false; reason: string; safeUrl: string };

const SCP_LIKE = /^(?:(?<user>[^@/\s]+)@)?(?<host>[A-Za-z0-9.-]+):(?!\/\/)(?<path>[^\s]+)$/;

export function parseRepositoryUrl(raw: string): RepositoryParse {
  const url = raw.trim();
  if (url === "") return { ok: false, reason: "the URL is empty", safeUrl: "" };

  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, reason: "it is not a valid URL", safeUrl: cleanUrl(url) };
    }
    const safeUrl = cleanUrl(url);
    if (parsed.protocol === "file:") {
      return { ok: false, reason: "it is a local path, which names no hosted repository", safeUrl };
    }
    return fromHostAndPath(parsed.hostname, decodeURIComponent(parsed.pathname), safeUrl);
  }

  // Local paths first: `C:\repo` and `./x:y` would otherwise look scp-like.
  if (url.startsWith("/") || url.startsWith(".") || /^[A-Za-z]:[\\/]/.test(url)) {
    return { ok: false, reason: "it is a local path, which names no hosted repository", safeUrl: url };
  }

  const scp = SCP_LIKE.exec(url);
  if (scp?.groups?.host && scp.groups.path) {
    // Only the conventional `git@` user is kept; any other user part may be a credential.
    const safeUrl = `${scp.groups.user === "git" ? "git@" : ""}${scp.groups.host}:${scp.groups.path}`;
    return fromHostAndPath(scp.groups.host, scp.groups.path, safeUrl);
  }
  return {
    ok: false,
    reason: "it is neither a URL nor a host:path remote",
    safeUrl: "<unrecognised remote>",
  };
}

function fromHostAndPath(host: string, path: string, safeUrl: string): RepositoryParse {
  const label = hostLabel(host);
  const segments = path
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter((segment) => segment !== "");
  if (!label) return { ok: false, reason: `its host '${host}' has no usable name`, safeUrl };
  if (segments.length < 2) {
    return { ok: false, reason: "its path does not name an owner and a repository", safeUrl };
  }
  return { ok: true, repository: `${label}/${segments.join("/")}.git`, safeUrl };
}

/**
 * `github.com` -> `github`. A leading `www.` or `ssh.` (GitHub's ssh-over-443
 * host is ssh.github.com) is not the service's name, so it is skipped.
 */
function hostLabel(host: string): string | undefined {
  const labels = host.toLowerCase().split(".").filter(Boolean);
  while (labels.length > 1 && (labels[0] === "www" || labels[0] === "ssh")) labels.shift();
  return labels[0];
}

/** The URL without user info, credential-like query parameters and fragment. */
export function stripUserInfo(url: string): string {
  return cleanUrl(url);
}

/**
 * The secret parts of a remote URL (password, token, credential parameters)
 * to mask everywhere; for an scp-like remote, any user but the conventional `git`.
 */
export function credentialsIn(url: string): string[] {
  const trimmed = url.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return cleanUrlParts(trimmed).credentials;
  const user = SCP_LIKE.exec(trimmed)?.groups?.user;
  return user && user !== "git" ? user.split(/:(.*)/s).filter(Boolean) : [];
}
