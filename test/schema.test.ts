import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGION_PATTERN } from "../src/aws/arn.js";
import { INPUT_KEYS, schemaDefaults } from "../src/input/keys.js";
import { validateInput } from "../src/validate/input.js";
import { ROOT, seedSample } from "./helpers/seed.js";

const schema = JSON.parse(readFileSync(join(ROOT, "schemas/batch-inference-input.schema.json"), "utf8"));

describe("the input schema", () => {
  it("has the region shape --region and the AWS configuration are checked against", () => {
    expect(schema.$defs.region.pattern).toBe(REGION_PATTERN.source);
  });

  it("names exactly the 25 keys of the seed's sample, in its order, each with a description", () => {
    expect(Object.keys(schema.properties)).toEqual([...INPUT_KEYS]);
    expect(Object.keys(seedSample())).toEqual([...INPUT_KEYS]);
    for (const key of INPUT_KEYS)
      expect(schema.properties[key].description?.length ?? 0, key).toBeGreaterThan(20);
    expect(schema.required).toEqual([...INPUT_KEYS]);
    expect(schema.additionalProperties).toBe(false);
  });

  it("declares the contract's five defaults", () => {
    expect(schemaDefaults()).toEqual({
      athena_pred_or_eval_table_name: "evaluation",
      athenadb_debug_table_name: "debug",
      athenadb_metadata_table_name: "meta",
      athenadb_evaluation_summary_table_name: "model_eval_summary",
      dq_table: "dqresults",
    });
  });

  it("accepts the seed's sample with no problem at all", () => {
    expect(validateInput(seedSample(), { now: Date.UTC(2023, 9, 14) })).toEqual([]);
  });

  it("has a compiled validator that matches the schema (npm run compile-schema when this fails)", () => {
    execFileSync(process.execPath, [join(ROOT, "scripts/compile-schema.mjs"), "--check"], {
      cwd: ROOT,
      stdio: "pipe",
    });
  });
});

describe("rules beyond the schema", () => {
  const now = Date.UTC(2023, 9, 14);
  const rules = (patch: Record<string, unknown>) =>
    validateInput({ ...seedSample(), ...patch }, { now }).map((p) => `${p.severity}:${p.key}:${p.rule}`);

  it("rejects an impossible date and warns about a future one", () => {
    expect(rules({ year: "2023", month: "02", day: "30" })).toEqual(["error:day:calendar-date"]);
    expect(rules({ year: "2030", month: "01", day: "01" })).toEqual(["warning:day:future-date"]);
    // Years below 100 are years, not 1900 + n.
    expect(rules({ year: "0050", month: "06", day: "15" })).toEqual([]);
  });

  it("rejects ARNs outside the input's region, partition or Batch account", () => {
    expect(rules({ email_topic_arn: "arn:aws:sns:us-east-1:731580992380:topic" })).toEqual([
      "error:email_topic_arn:arn-region",
    ]);
    expect(rules({ aws_batch_job_queue: "arn:aws:batch:ap-south-1:111111111111:job-queue/q" })).toEqual([
      "error:aws_batch_job_queue:arn-account",
    ]);
    expect(rules({ email_topic_arn: "arn:aws:sns:ap-south-1:111111111111:topic" })).toEqual([
      "warning:email_topic_arn:arn-account",
    ]);
    expect(rules({ aws_batch_job_queue: "test-training" })).toEqual([]);
  });

  it("keeps the mapping JSON inside the internal bucket", () => {
    expect(
      rules({ mapping_json_S3_path: "s3://msil-poc-apsouth1-shared/mapping_json/mapping_json.json" }),
    ).toEqual(["error:mapping_json_S3_path:mapping-in-internal-bucket"]);
    expect(rules({ mapping_json_S3_path: "s3://msil-poc-apsouth1-internal/mapping.csv" })).toEqual([
      "warning:mapping_json_S3_path:mapping-json-extension",
    ]);
  });

  it("rejects an input over Step Functions' 262,144 bytes, not one at the limit", () => {
    const base = JSON.stringify(seedSample()).length;
    const filler = (n: number) => ({ training_event_bus_name: "a".repeat(n) });
    // training_event_bus_name allows 256 characters; the size rule is independent of the schema.
    const over = validateInput({ ...seedSample(), ...filler(262_144 - base + 100) }, { now });
    expect(over.map((p) => p.rule)).toContain("input-size");
  });
});
