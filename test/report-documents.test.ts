import { describe, expect, it } from "vitest";
import { envNameOf, flagOf, optionsFor } from "../src/cli-options.js";
import type { ExecutionReport } from "../src/execution/model.js";
import { REPORT_DOCUMENTS } from "../src/report/documents.js";
import { Secrets } from "../src/secrets/secrets.js";

// The frame, the usage-error path and --output json all take their documents
// from REPORT_DOCUMENTS; these checks keep the list and the options together.
describe("the report documents", () => {
  it("each names an option every following command declares, with its flag and variable", () => {
    for (const command of ["run", "wait", "backfill"] as const) {
      const names = optionsFor(command).map((spec) => spec.name);
      for (const document of REPORT_DOCUMENTS) expect(names).toContain(document.option);
    }
    expect(REPORT_DOCUMENTS.map((document) => [flagOf(document.option), envNameOf(document.option)])).toEqual(
      [
        ["--result-file", "BATCHINF_RESULT_FILE"],
        ["--junit", "BATCHINF_JUNIT"],
        ["--report-html", "BATCHINF_REPORT_HTML"],
      ],
    );
  });

  it("exactly one is what --output json prints", () => {
    expect(REPORT_DOCUMENTS.filter((document) => document.stdout).map((document) => document.option)).toEqual(
      ["resultFile"],
    );
  });

  it("each masks a secret before it is serialised, in every document", () => {
    const secrets = new Secrets();
    secrets.add("s3cr3t-value-with/slash");
    const report: ExecutionReport = {
      status: "FAILED",
      states: [],
      outcome: { kind: "error", error: new Error('bad "s3cr3t-value-with/slash"') },
      input: { note: "s3cr3t-value-with/slash" },
    };
    for (const document of REPORT_DOCUMENTS) {
      const text = document.render([report], {
        secrets,
        now: () => 0,
        command: "run",
        several: false,
        withoutPayloads: false,
      });
      expect(text, document.option).not.toContain("s3cr3t");
      expect(text, document.option).not.toContain("s3cr3t-value-with\\/slash");
    }
  });
});
