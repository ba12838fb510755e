import { XMLBuilder } from "fast-xml-parser";
import { escapeControl } from "../io/one-line.js";
import { showForbiddenChars } from "../io/xml.js";
import { maskedJson } from "../secrets/masked-json.js";
import type { Secrets } from "../secrets/secrets.js";
import type { FileReport, LocatedProblem } from "./check-file.js";
import { locatedProblemLine } from "./format.js";

/**
 * The three report formats of `validate`. Each takes the reports as data
 * and masks them (`secrets.maskValue`) before serialising; file names, keys
 * and values are escaped to one line, so no input can forge a problem line.
 */

export interface Summary {
  files: number;
  valid: number;
  invalid: number;
  errors: number;
  warnings: number;
}

export function summarise(reports: readonly FileReport[]): Summary {
  const summary: Summary = { files: reports.length, valid: 0, invalid: 0, errors: 0, warnings: 0 };
  for (const r of reports) {
    if (r.errors > 0) summary.invalid++;
    else summary.valid++;
    summary.errors += r.errors;
    summary.warnings += r.warnings;
  }
  return summary;
}

export function summaryLine(s: Summary): string {
  const counts = `${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}`;
  if (s.invalid > 0) return `${s.invalid} of ${plural(s.files, "file")} invalid, ${counts}`;
  return `${s.files === 1 ? "1 file" : `all ${s.files} files`} valid${s.warnings > 0 ? `, ${plural(s.warnings, "warning")}` : ""}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `FILE:LINE:COL key: message [rule]`, the shape editors and Jenkins' warnings plugin parse. */
export function problemLine(file: string, { problem, at }: LocatedProblem, secrets: Secrets): string {
  const location = at ? `${file}:${at.line}:${at.column}` : file;
  return secrets.maskText(
    `${locatedProblemLine(secrets.maskValue(problem), location)} [${escapeControl(problem.rule)}]`,
  );
}

export function textReport(reports: readonly FileReport[], secrets: Secrets): string {
  const lines: string[] = [];
  for (const r of reports)
    for (const located of r.problems) lines.push(problemLine(r.file, located, secrets));
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export function jsonReport(reports: readonly FileReport[], summary: Summary, secrets: Secrets): string {
  const files = reports.map((r) => ({
    file: r.file,
    valid: r.errors === 0,
    problems: r.problems.map(({ problem, at }) => ({
      severity: problem.severity,
      line: at?.line ?? null,
      column: at?.column ?? null,
      key: problem.key ?? null,
      rule: problem.rule,
      message: problem.message,
      ...(problem.value === undefined ? {} : { value: problem.value }),
    })),
  }));
  return maskedJson({ files, summary }, secrets);
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  format: true,
  suppressEmptyNode: true,
  processEntities: true,
});

/**
 * JUnit XML as Jenkins' `junit` step reads it: one test case per file, a
 * failure listing an invalid file's errors, its warnings in system-out.
 * Built with fast-xml-parser's builder, which escapes markup; characters
 * XML 1.0 forbids even as references are shown as \uXXXX first.
 */
export function junitReport(
  reports: readonly FileReport[],
  summary: Summary,
  timing: { now: number; seconds: number },
  secrets: Secrets,
): string {
  const time = timing.seconds.toFixed(3);
  const counts = { "@_tests": summary.files, "@_failures": summary.invalid, "@_errors": 0 };
  const testcases = reports.map((r) => {
    const name = showForbiddenChars(escapeControl(secrets.maskText(r.file)));
    const lines = (severity: "error" | "warning") =>
      showForbiddenChars(
        r.problems
          .filter((p) => p.problem.severity === severity)
          .map((p) => problemLine(r.file, p, secrets))
          .join("\n"),
      );
    return {
      "@_classname": "batchinf.validate",
      "@_name": name,
      "@_file": name,
      "@_time": 0,
      ...(r.errors > 0
        ? {
            failure: {
              "@_message": plural(r.errors, "problem"),
              "@_type": "invalid-input",
              "#text": lines("error"),
            },
          }
        : {}),
      ...(r.warnings > 0 ? { "system-out": lines("warning") } : {}),
    };
  });
  return builder.build({
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    testsuites: {
      "@_name": "batchinf validate",
      ...counts,
      "@_time": time,
      testsuite: {
        "@_name": "batchinf validate",
        ...counts,
        "@_skipped": 0,
        "@_time": time,
        "@_timestamp": new Date(timing.now).toISOString().replace(/\.\d{3}Z$/, ""),
        testcase: testcases,
      },
    },
  });
}
