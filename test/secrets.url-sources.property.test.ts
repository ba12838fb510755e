import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SSM_PATH, useFakeAws } from "./helpers/aws.js";
import { runInProcess } from "./helpers/cli.js";
import { leaks } from "./helpers/leaks.js";
import { SEED_DATE, seedWorkspace } from "./helpers/seed.js";

/**
 * URL credentials never reach any output, whatever the source (issue 15):
 * AWS_ENDPOINT_URL and a service's own AWS_ENDPOINT_URL_SSM (logged when
 * clients are built), proxies, arguments a usage error echoes (`stop URL`,
 * `wait URL`, `--state-machine-arn URL`, an unknown option, a malformed
 * duration), result files read back by `stop --result-file`. The password
 * or token is generated; the log is read in both formats. The mechanism is
 * one choke point (Secrets#maskText, which every log line, report and
 * stdout document passes): no message can forget it.
 *
 * Generated cases per run of this file: RUNS (200).
 */
const RUNS = 200;
const world = useFakeAws();
beforeEach(() => {
  for (const [name, value] of Object.entries(world.fake.env({ region: "ap-south-1" })))
    vi.stubEnv(name, value);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const SOURCES = [
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_SSM",
  "HTTPS_PROXY",
  "stop ARGUMENT",
  "wait ARGUMENT",
  "stop --result-file",
  "--state-machine-arn",
  "unknown option",
  "--timeout",
] as const;
type Source = (typeof SOURCES)[number];

/** A credential as tools write it in a URL: unreserved and sub-delimiter characters, then percent-encoded. */
const credentialArb = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9]{4,10}$/), fc.stringMatching(/^[-._~!$'()*,;=A-Za-z0-9 /@:%]{0,8}$/))
  .map(([core, tail]) => `Zq${core}${tail}`);

function withCredential(url: string, credential: string): string {
  const encoded = encodeURIComponent(credential);
  const parsed = new URL(url);
  return `${parsed.protocol}//ci-user:${encoded}@${parsed.host}${parsed.pathname}?token=${encoded}`;
}

async function runFrom(source: Source, credential: string, format: "text" | "json") {
  const dir = seedWorkspace();
  const endpoint = world.fake.env({ region: "ap-south-1" }).AWS_ENDPOINT_URL as string;
  const url = withCredential("https://ci.example/job/batch/42/", credential);
  const env: Record<string, string> = { ...world.fake.env({ region: "ap-south-1" }) };
  // The workspace's sources: its tfvars, git origin and date, with SSM live or from its ssm.json.
  const sources = ["--date", SEED_DATE, "--repo-dir", dir, "--tfvars", join(dir, "tfvars.json")];
  const render = ["render", ...sources, "--ssm-path", SSM_PATH];
  let args: string[];
  switch (source) {
    case "AWS_ENDPOINT_URL":
    case "AWS_ENDPOINT_URL_SSM":
    case "HTTPS_PROXY":
      env[source] =
        source === "HTTPS_PROXY"
          ? withCredential("http://proxy.example:3128/", credential)
          : withCredential(endpoint, credential);
      vi.stubEnv(source, env[source]);
      args = render;
      break;
    case "stop ARGUMENT":
      args = ["stop", url];
      break;
    case "wait ARGUMENT":
      args = ["wait", url];
      break;
    case "stop --result-file": {
      const file = join(dir, "result.json");
      writeFileSync(file, JSON.stringify({ executionArn: url, results: [{ executionArn: `${url}x` }] }));
      args = ["stop", "--result-file", file];
      break;
    }
    case "--state-machine-arn":
      args = [
        "run",
        "--dry-run",
        ...sources,
        "--ssm-file",
        join(dir, "ssm.json"),
        "--state-machine-arn",
        url,
      ];
      break;
    case "unknown option":
      args = ["render", `--endpoint=${url}`];
      break;
    case "--timeout":
      args = ["run", "--timeout", url];
      break;
  }
  return runInProcess([...args, "--log-format", format], { env });
}

describe("a URL credential from any source reaches no output", () => {
  it("endpoint variables, proxies, echoed arguments, result files read back; text and JSON logs", async () => {
    await fc.assert(
      fc.asyncProperty(
        credentialArb,
        fc.constantFrom(...SOURCES),
        fc.constantFrom("text" as const, "json" as const),
        async (credential, source, format) => {
          const result = await runFrom(source, credential, format);
          const output = result.stdout + result.stderr;
          expect(leaks(output, credential), `${source}\n${output}`).toEqual([]);
          expect(output).not.toContain("Zq");
          // The URL itself was printed (without its credentials) where the source is printed at all.
          if (source.startsWith("AWS_ENDPOINT_URL") && source !== "AWS_ENDPOINT_URL_SSM") {
            expect(output).toContain("AWS endpoint http://127.0.0.1");
          }
          if (
            source.includes("ARGUMENT") ||
            source === "stop --result-file" ||
            source === "--state-machine-arn"
          ) {
            expect(output).toContain("ci.example");
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
