import { describe, expect, it } from "vitest";
import { compose } from "../src/input/compose.js";
import { parseSetFlags } from "../src/input/set-flags.js";
import { snapshotFromParameters } from "../src/sources/ssm/parameters.js";
import type { SourceName, SourceValues } from "../src/sources/types.js";

const layer = (source: SourceName, values: Record<string, unknown>): SourceValues =>
  new Map(Object.entries(values).map(([key, value]) => [key, { value, source, origin: source }]));
const empty = (): SourceValues => new Map();

describe("compose: default < SSM < tfvars < dynamic < --set", () => {
  it("lets each later source override the earlier, and records what it overrode", () => {
    const result = compose([
      layer("ssm", { dq_table: "from_ssm", region: "eu-west-1" }),
      layer("tfvars", { region: "ap-south-1", dq_table: "from_tfvars" }),
      layer("clock", { year: "2023" }),
      parseSetFlags(["dq_table=from_set"]),
    ]);
    expect(result.input).toMatchObject({
      dq_table: "from_set",
      region: "ap-south-1",
      year: "2023",
      athenadb_debug_table_name: "debug",
    });
    expect(result.provenance.dq_table?.overrode.map((o) => o.source)).toEqual(["tfvars", "ssm", "default"]);
    expect(result.overrides.map((o) => `${o.key}:${o.from.source}->${o.to.source}`)).toEqual([
      "dq_table:default->ssm",
      "region:ssm->tfvars",
      "dq_table:ssm->tfvars",
      "dq_table:tfvars->set",
    ]);
  });

  it("does not report an override that repeats the same value", () => {
    const result = compose([layer("ssm", { dq_table: "dqresults" }), empty(), empty(), empty()]);
    expect(result.overrides).toEqual([]);
  });

  it("derives the mapping path from the internal bucket that wins, unless --set names one", () => {
    const derived = compose([
      layer("ssm", { s3_bucket_name_internal: "ssm-bucket", mapping_json_S3_path: "s3://old/x.json" }),
      empty(),
      empty(),
      parseSetFlags(["s3_bucket_name_internal=set-bucket"]),
    ]);
    expect(derived.input.mapping_json_S3_path).toBe("s3://set-bucket/mapping_json/mapping_json.json");
    const pinned = compose([
      layer("ssm", { s3_bucket_name_internal: "b" }),
      empty(),
      empty(),
      parseSetFlags(["mapping_json_S3_path=s3://b/m.json"]),
    ]);
    expect(pinned.input.mapping_json_S3_path).toBe("s3://b/m.json");
  });

  it("lists the missing keys in the seed's order and emits the input in that order", () => {
    const result = compose([empty(), layer("tfvars", { region: "ap-south-1" }), empty(), empty()]);
    expect(result.missing[0]).toBe("athenadb_name");
    expect(result.missing).not.toContain("region");
    expect(result.missing).not.toContain("dq_table");
    expect(Object.keys(result.input)).toEqual([
      "athena_pred_or_eval_table_name",
      "athenadb_debug_table_name",
      "athenadb_evaluation_summary_table_name",
      "region",
      "athenadb_metadata_table_name",
      "dq_table",
    ]);
  });
});

describe("SSM parameters into values", () => {
  it("keys a parameter by its last segment, expands JSON objects, keeps control and unused keys apart, marks secrets", () => {
    const snapshot = snapshotFromParameters(
      [
        { name: "/mlops/dcp/athenadb_name", value: "default" },
        { name: "/mlops/dcp/aws_batch_job_name", value: "job", type: "SecureString" },
        {
          name: "/mlops/dcp/pipeline/config",
          value: '{"state_machine_arn":"arn:x","dq_table":"dq","glue_workers":4}',
        },
      ],
      (name) => name,
    );
    expect(snapshot.values.get("athenadb_name")).toMatchObject({
      value: "default",
      origin: "/mlops/dcp/athenadb_name",
    });
    expect(snapshot.values.get("aws_batch_job_name")).toMatchObject({ secret: true });
    expect(snapshot.values.get("dq_table")).toMatchObject({
      value: "dq",
      origin: "/mlops/dcp/pipeline/config (.dq_table)",
    });
    expect(snapshot.control.state_machine_arn?.value).toBe("arn:x");
    expect(snapshot.unused).toEqual([
      { key: "glue_workers", origin: "/mlops/dcp/pipeline/config (.glue_workers)" },
    ]);
  });

  it("refuses two parameters that give one key different values", () => {
    expect(() =>
      snapshotFromParameters(
        [
          { name: "/a/dq_table", value: "x" },
          { name: "/b/dq_table", value: "y" },
        ],
        (name) => name,
      ),
    ).toThrow(/two different values/);
  });
});
