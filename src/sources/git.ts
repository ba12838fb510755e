import { statSync } from "node:fs";
import { simpleGit } from "simple-git";
import { cleanUrlsInText } from "../secrets/url.js";
import { credentialsIn, parseRepositoryUrl } from "./git-url.js";
import type { Source } from "./source.js";
import type { SourceValues } from "./types.js";

export interface RepositorySource {
  values: SourceValues;
  /** Why no repository was found, for the "missing key" message. */
  unavailable?: string;
  /** Credentials seen in the URL: the caller masks them in the log. */
  secrets: string[];
  /** Where the URL came from and its credential-free form, for the log. */
  note?: string;
}

/**
 * The git origin as a source: `repository`, the credentials of the URL it
 * came from registered as it is read, and why none was usable.
 */
export function gitSource(repoDir: string, gitUrlEnv: string | undefined): Source {
  return {
    name: "git",
    async read({ secrets }) {
      const repository = await readRepository(repoDir, gitUrlEnv);
      for (const credential of repository.secrets) secrets.addCredential(credential);
      return {
        values: repository.values,
        notes: repository.note ? [{ level: "debug", text: `repository from ${repository.note}` }] : [],
        ...(repository.unavailable
          ? {
              unavailable: {
                keys: ["repository"],
                what: "no usable git origin",
                why: repository.unavailable,
              },
            }
          : {}),
      };
    },
    whereFrom: (key, reading) =>
      key === "repository"
        ? `comes from the git origin of --repo-dir ${repoDir} or $GIT_URL, but ${reading.unavailable?.why ?? "neither gave one"}`
        : undefined,
  };
}

/**
 * `repository` comes from the `origin` remote of the checkout, else from
 * `$GIT_URL` (Jenkins sets it for the job's SCM). One `git remote get-url`
 * call answers both "is this a repo" and "is there an origin".
 */
export async function readRepository(
  repoDir: string,
  gitUrlEnv: string | undefined,
): Promise<RepositorySource> {
  const fromOrigin = await originUrl(repoDir);
  const reasons: string[] = [];
  if (fromOrigin.url !== undefined) {
    const result = fromUrl(fromOrigin.url, `git origin of ${repoDir}`);
    if (result.values.size > 0) return result;
    reasons.push(result.unavailable ?? "");
  } else {
    reasons.push(fromOrigin.reason);
  }
  if (gitUrlEnv !== undefined && gitUrlEnv.trim() !== "") {
    const result = fromUrl(gitUrlEnv, "$GIT_URL");
    if (result.values.size > 0) return result;
    reasons.push(result.unavailable ?? "");
  } else {
    reasons.push("$GIT_URL is not set");
  }
  return {
    values: new Map(),
    unavailable: reasons.join("; "),
    secrets: [
      ...(fromOrigin.url ? credentialsIn(fromOrigin.url) : []),
      ...(gitUrlEnv ? credentialsIn(gitUrlEnv) : []),
    ],
  };
}

function fromUrl(url: string, origin: string): RepositorySource {
  const secrets = credentialsIn(url);
  const parsed = parseRepositoryUrl(url);
  if (!parsed.ok) {
    return {
      values: new Map(),
      unavailable: `${origin} (${parsed.safeUrl}) is unusable: ${parsed.reason}`,
      secrets,
    };
  }
  return {
    values: new Map([["repository", { value: parsed.repository, source: "git", origin }]]),
    secrets,
    note: `${origin}: ${parsed.safeUrl}`,
  };
}

async function originUrl(repoDir: string): Promise<{ url?: string; reason: string }> {
  // Said before git runs: simple-git calls a file "a directory that does not exist".
  const kind = pathKind(repoDir);
  if (kind === "missing") return { reason: `--repo-dir ${repoDir} does not exist` };
  if (kind !== "directory") return { reason: `--repo-dir ${repoDir} is a ${kind}, not a directory` };
  try {
    // Resolve on 'close' alone: simple-git's default also waits 50 ms after 'exit',
    // a third of render's whole budget.
    const git = simpleGit({ baseDir: repoDir, completion: { onClose: true, onExit: false } });
    const output = await git.remote(["get-url", "origin"]);
    const url = typeof output === "string" ? output.trim() : "";
    return url ? { url, reason: "" } : { reason: `${repoDir} has an empty origin URL` };
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    if (/not a git repository/i.test(message)) return { reason: `${repoDir} is not a git repository` };
    if (/no such remote/i.test(message)) return { reason: `${repoDir} has no 'origin' remote` };
    if (/ENOENT|spawn git/i.test(message)) return { reason: "git is not installed or not on PATH" };
    // Any other git failure: say it, but never echo a URL that may carry a token.
    return { reason: `git could not read the origin of ${repoDir}: ${firstLine(message)}` };
  }
}

function pathKind(path: string): "missing" | "directory" | "file" | "special file" {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "directory" : stat.isFile() ? "file" : "special file";
  } catch {
    return "missing";
  }
}

function firstLine(text: string): string {
  return cleanUrlsInText(text.split("\n").find((line) => line.trim() !== "") ?? text);
}
