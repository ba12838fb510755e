import { describe, expect, it } from "vitest";
import { explainCause, parseCause, redactBatchEnvironment, sanitizeAwsValue } from "../src/failure/cause.js";
import { batchFailureCause, glueFailureCause } from "./fake-aws/sfn-scenarios.js";

const SECRET = "s3cr3t-token-value";

describe("causes", () => {
  it("parses a Glue JobRun and a Batch job with the real field names", () => {
    expect(
      parseCause(glueFailureCause({ jobName: "j", errorMessage: "oops", jobRunId: "jr_1" })),
    ).toMatchObject({
      kind: "glue",
      runId: "jr_1",
      jobName: "j",
      state: "FAILED",
      errorMessage: "oops",
      logGroupName: "/aws-glue/jobs",
    });
    const batch = parseCause(
      batchFailureCause({ attempts: 2, exitCode: 2, logGroup: "/custom", environment: { TOKEN: SECRET } }),
    );
    expect(batch).toMatchObject({
      kind: "batch",
      status: "FAILED",
      container: { exitCode: 2, logGroup: "/custom", logDriver: "awslogs", environmentNames: ["TOKEN"] },
    });
    expect(batch?.kind === "batch" && batch.attempts).toHaveLength(2);
    expect(JSON.stringify(batch)).not.toContain(SECRET);
  });

  it("explainCause masks environment values and keeps their names", () => {
    const text = explainCause(batchFailureCause({ environment: { TOKEN: SECRET } })).join("\n");
    expect(text).not.toContain(SECRET);
    expect(text).toContain('"Name": "TOKEN"');
    expect(text).toContain('"Value": "****"');
  });

  it("redacts nested JSON strings, camelCase ECS shapes, and a cause cut short", () => {
    const nested = JSON.stringify({
      Error: "States.TaskFailed",
      Cause: batchFailureCause({ environment: { TOKEN: SECRET } }),
    });
    expect(redactBatchEnvironment(nested)).not.toContain(SECRET);
    expect(
      redactBatchEnvironment({ containers: [{ environment: [{ name: "TOKEN", value: SECRET }] }] }),
    ).toEqual({ containers: [{ environment: [{ name: "TOKEN", value: "****" }] }] });
    const cut = batchFailureCause({ environment: { TOKEN: SECRET } }).slice(0, -40);
    expect(() => JSON.parse(cut)).toThrow();
    expect(redactBatchEnvironment(cut)).not.toContain(SECRET);
    // Values outside an Environment are left alone.
    expect(redactBatchEnvironment({ Tags: [{ Key: "a", Value: "kept" }] })).toEqual({
      Tags: [{ Key: "a", Value: "kept" }],
    });
  });
});

describe("redactBatchEnvironment on a cause Step Functions cut short", () => {
  it("masks every value up to its real end, escaped quotes included, and one the cut left open", () => {
    const full = JSON.stringify({
      Container: {
        Environment: [
          { Name: "MODEL_NAME", Value: "m" },
          { Name: "DB_PASSWORD", Value: 'abc"SECRET\\QUOTE' },
          { Name: "API_KEY", Value: "SECRETCUTOFF_LONG_VALUE" },
        ],
        ExitCode: 1,
      },
    });
    const cuts = [
      full.indexOf("CUTOFF") + 3,
      full.indexOf("QUOTE"),
      full.indexOf("ExitCode"),
      full.length - 3,
    ];
    for (const at of cuts) {
      const cut = full.slice(0, at);
      const redacted = redactBatchEnvironment(cut);
      expect(redacted, cut).not.toContain("SECRET");
      expect(redacted).toContain("DB_PASSWORD");
      // Nested one level, as a Catch keeps a cause inside its own JSON.
      const nested = redactBatchEnvironment(`{"Error":"States.TaskFailed","Cause":${JSON.stringify(cut)}`);
      expect(nested, cut).not.toContain("SECRET");
    }
  });
});

describe("sanitizeAwsValue: credentials out, content intact", () => {
  it("drops a URL's credentials however the cause writes it: escaped slashes, several URLs joined by commas", () => {
    const escaped = `{"ErrorMessage":"fetch https:\\/\\/user:ESCPW123@host.example\\/x"}`;
    expect(JSON.parse(escaped).ErrorMessage).toContain("ESCPW123");
    expect(sanitizeAwsValue(escaped)).not.toContain("ESCPW123");
    const joined = "mirrors https://a:COMMAPW1@x.example/p,https://b:COMMAPW2@y.example/q unreachable";
    const cleaned = sanitizeAwsValue(joined);
    expect(cleaned).not.toMatch(/COMMAPW[12]/);
    expect(cleaned).toContain("x.example/p");
    expect(cleaned).toContain("y.example/q");
  });

  it("leaves URLs without credentials exactly as they were, and a cause still JSON", () => {
    const cause = JSON.stringify({
      ErrorMessage: 'Failed reading "https://host.example/data" (403)\nnext',
      Key: "s3://dcp-internal/features/run#7/part-0.parquet",
      Link: "https://ap-south-1.console.aws.amazon.com/states/home?region=ap-south-1#/v2/executions/details/x",
      Template: "https://EXAMPLE.com/{1}",
    });
    const cleaned = sanitizeAwsValue(cause);
    expect(cleaned).toBe(cause);
    expect(() => JSON.parse(cleaned)).not.toThrow();
    const withToken = JSON.stringify({
      ErrorMessage: 'GET "https://h.example/x?token=TOK999" then s3://b/k#1',
    });
    const out = sanitizeAwsValue(withToken);
    expect(out).not.toContain("TOK999");
    expect(JSON.parse(out).ErrorMessage).toContain("s3://b/k#1");
  });
});
