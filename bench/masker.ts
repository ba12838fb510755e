// The free-text masker, v2 against now (issue 15): v2 listed encodings of each
// whole secret and found each with indexOf (bench/baseline/masker-v2.ts); now
// one automaton reads every character raw or encoded, in any mix
// (src/secrets/matcher.ts). Both mask the same texts in the same run,
// interleaved round by round so machine noise spreads over both.
//
//   npx tsx bench/masker.ts       (also a step of `npm run bench`)
//   BENCH_MASK_ROUNDS=N           timed rounds (default 7, best kept)
//
// Texts: build-log lines as batchinf prints them (state changes, copied Glue
// lines with JSON and URLs, a failure cause), each with no secret in it (the
// common case: the cost is the scan), and the same lines with one secret in
// several encodings. Then long lines (16 KB, the log's cut), and adversarial
// inputs against which a backtracking pattern never finishes.
//
// Writes bench/results-masker.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SecretMatcher } from "../src/secrets/matcher.js";
import { Secrets } from "../src/secrets/secrets.js";
import { ROOT } from "../test/helpers/seed.js";
import { V2Masker } from "./baseline/masker-v2.js";

const ROUNDS = Math.max(3, Number.parseInt(process.env.BENCH_MASK_ROUNDS ?? "7", 10) || 7);

const LINES = [
  "[2023-10-03] RunGlueJob2 succeeded after 4m12s (median 4m01s)",
  'PrepareFeatures | 2023-10-14 08:12:55,120 INFO {"job": "feature-prep", "rows": 1200345, "s3": "s3://bucket-internal/mapping_json/mapping_json.json"}',
  "error: States.TaskFailed in PrepareFeatures: Glue job run jr_0f3a9c2e1b7d4e8f9a0b1c2d3e4f5a6b FAILED: An error occurred while calling o123.pyWriteDynamicFrame. Access Denied (Service: Amazon S3; Status Code: 403)",
  "  https://ap-south-1.console.aws.amazon.com/states/home?region=ap-south-1#/v2/executions/details/arn:aws:states:ap-south-1:123456789012:execution:batch-inference-DCP:DCP-20231014-jenkins-42",
  "Train | Epoch 12/40 loss=0.03412 val_loss=0.04120 lr=1.0e-4 elapsed=00:12:31 path=/opt/ml/model/checkpoints/epoch-12 user=svc-ml%2Fbatch",
];

function secretsOf(count: number): string[] {
  // Realistic values: tokens, passwords with punctuation, a connection string.
  const shapes = [
    (i: number) => `ghp_${"Ab9".repeat(10)}${i}`,
    (i: number) => `p@ss/w0rd&${i}"x y`,
    (i: number) => `postgres://svc:${i}S3cret!@db.internal:5432/ml`,
    (i: number) => `AKIA${"Q".repeat(12)}${i}`,
  ];
  return Array.from({ length: count }, (_, i) => (shapes[i % shapes.length] as (i: number) => string)(i));
}

function withSecret(line: string, secret: string): string {
  const json = JSON.stringify(secret).slice(1, -1).replaceAll("/", "\\/");
  return `${line} token=${encodeURIComponent(secret).replaceAll("%2F", "/")} body={"v":"${json}"} ${secret}`;
}

interface Masker {
  maskText(text: string): string;
}

function time(masker: Masker, texts: readonly string[], repeat: number): number {
  const started = performance.now();
  for (let r = 0; r < repeat; r++) for (const text of texts) masker.maskText(text);
  return (performance.now() - started) / (repeat * texts.length);
}

function makeMaskers(count: number): { v2: V2Masker; now: Secrets; matcher: Masker } {
  const v2 = new V2Masker();
  const now = new Secrets();
  for (const secret of secretsOf(count)) {
    v2.add(secret);
    now.add(secret);
  }
  // The per-character matching alone: finding the spans, without masking them or cleaning URLs.
  const spans = new SecretMatcher(secretsOf(count));
  const matcher = { maskText: (text: string) => String(spans.spans(text).length) };
  return { v2, now, matcher };
}

interface Row {
  label: string;
  v2: number;
  now: number;
  matcher: number;
}

function compare(label: string, count: number, texts: readonly string[], repeat: number): Row {
  const maskers = makeMaskers(count);
  const names = ["v2", "now", "matcher"] as const;
  // Warm up each (JIT), then keep each one's best round.
  for (const name of names) time(maskers[name], texts, 1);
  const best = {
    v2: Number.POSITIVE_INFINITY,
    now: Number.POSITIVE_INFINITY,
    matcher: Number.POSITIVE_INFINITY,
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) best[name] = Math.min(best[name], time(maskers[name], texts, repeat));
  }
  return { label, ...best };
}

const us = (ms: number) => (ms * 1000).toFixed(ms < 0.01 ? 2 : 1);

const rows: Row[] = [];
for (const count of [1, 10, 50]) {
  const secret = secretsOf(count)[0] as string;
  rows.push(compare(`log lines, no secret in them, ${count} secrets`, count, LINES, 2000));
  rows.push(
    compare(
      `log lines, each with one secret raw, JSON and URL-encoded, ${count} secrets`,
      count,
      LINES.map((line) => withSecret(line, secret)),
      500,
    ),
  );
}
const long = Array.from({ length: 130 }, (_, i) => LINES[i % LINES.length])
  .join(" ")
  .slice(0, 16_384);
rows.push(compare("16 KB line, no secret, 10 secrets", 10, [long], 50));

const adversarial: Array<{ label: string; secret: string; text: string }> = [
  {
    label: "secret of 40 `\\` then `x`, 200,000 `\\`",
    secret: `${"\\".repeat(40)}x`,
    text: "\\".repeat(200_000),
  },
  {
    label: "secret `%25` x20 then `!`, `%25` x70,000",
    secret: `${"%25".repeat(20)}!`,
    text: "%25".repeat(70_000),
  },
  {
    label: "secret `&amp;` x10 then `!`, `&amp;amp;` x25,000",
    secret: `${"&amp;".repeat(10)}!`,
    text: "&amp;amp;".repeat(25_000),
  },
  { label: "secret `a` x19 then `b`, 200,000 `a`", secret: `${"a".repeat(19)}b`, text: "a".repeat(200_000) },
];
const adversarialRows = adversarial.map(({ label, secret, text }) => {
  const v2 = new V2Masker();
  const now = new Secrets();
  v2.add(secret);
  now.add(secret);
  return { label, v2: time(v2, [text], 1), now: time(now, [text], 1), matcher: 0 };
});

const table = [
  "| text | v2 (µs per text) | now (µs per text) | now / v2 | matcher alone (µs) | matcher / v2 |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (row) =>
      `| ${row.label} | ${us(row.v2)} | ${us(row.now)} | ${(row.now / row.v2).toFixed(2)}× | ${us(row.matcher)} | ${(row.matcher / row.v2).toFixed(2)}× |`,
  ),
].join("\n");
const adversarialTable = [
  "| adversarial input (one secret) | v2 (ms) | now (ms) |",
  "| --- | ---: | ---: |",
  ...adversarialRows.map((row) => `| ${row.label} | ${row.v2.toFixed(1)} | ${row.now.toFixed(1)} |`),
].join("\n");
const report = `# Masking free text: v2 against the per-character matcher

${table}

${adversarialTable}

- date: ${new Date().toISOString()}, node ${process.version}
- ${ROUNDS} timed rounds, v2, now and the matcher interleaved, best round of each kept
- now: \`Secrets#maskText\` as every output calls it: URL credentials dropped (the one choke point, new in v3: v2 cleaned URLs in a few places only) and secrets masked to the fixed point; matcher alone: the per-character matching (\`SecretMatcher#spans\`), the part that replaces v2's indexOf list
- v2 finds fewer forms: only whole-value encodings (it misses \`urllib.parse.quote\`'s kept \`/\`, JSON's \`\\/\`, HTML references, any mix); the rows with a secret count the same texts, which v2 masks only in part.
- Adversarial: the work is linear in the text (text x secret length x readings per position at most); a backtracking regular expression with one alternation per character does not finish on the first row.
`;
process.stdout.write(`${table}\n\n${adversarialTable}\n`);
writeFileSync(join(ROOT, "bench/results-masker.md"), report);
