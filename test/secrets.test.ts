import { describe, expect, it } from "vitest";
import { checkPollIntervals, MAX_TIMER_MS, parseDuration, timerSteps } from "../src/duration.js";
import { type Io, Logger } from "../src/io/log.js";
import { clipText, escapeControl, jsonLine, optionValue, quoteValue } from "../src/io/one-line.js";
import { MASK, Secrets } from "../src/secrets/secrets.js";
import { cleanUrl, cleanUrlParts, cleanUrlsInText, credentialsInText } from "../src/secrets/url.js";
import { checkAgainstStateMachine } from "../src/validate/checks.js";
import { leakForms } from "./helpers/leaks.js";

function memoryIo(): Io & { writes: string[] } {
  const writes: string[] = [];
  return { writes, stdout: () => {}, stderr: (text) => void writes.push(text), stderrIsTTY: false, env: {} };
}

describe("Secrets: free text", () => {
  it("masks every occurrence in raw, JSON-escaped and URL-encoded form", () => {
    const secrets = new Secrets();
    const secret = 'p"a\\ss w/rd%é';
    secrets.add(secret);
    const text = [secret, JSON.stringify(secret), encodeURIComponent(secret), encodeURI(secret)].join(" | ");
    const masked = secrets.maskText(text);
    for (const form of leakForms(secret)) expect(masked).not.toContain(form);
    expect(masked).toBe(`${MASK} | "${MASK}" | ${MASK} | ${MASK}`);
  });

  it("masks overlapping and nested secrets whole, leaving no part next to a mask", () => {
    const secrets = new Secrets();
    secrets.add("abcd1234");
    secrets.add("1234wxyz");
    secrets.add("cd12");
    expect(secrets.maskText("[abcd1234wxyz]")).toBe(`[${MASK}]`);
    expect(secrets.maskText("xx cd12 yy abcd1234 zz")).toBe(`xx ${MASK} yy ${MASK} zz`);
  });

  it("a secret containing the mask, or formed next to one, does not survive", () => {
    const secrets = new Secrets();
    secrets.add("**x*");
    secrets.add("yyyy");
    const masked = secrets.maskText("yyyyx* and **x*");
    expect(masked).not.toContain("**x*");
    expect(masked).not.toContain("yyyy");
  });

  it("ignores shorter values in free text but masks them by key, whatever their length", () => {
    const secrets = new Secrets();
    secrets.add("abc");
    secrets.addKey("dq_table");
    expect(secrets.maskText("abc")).toBe("abc");
    expect(secrets.maskValue({ dq_table: "abc", other: { dq_table: 7 } })).toEqual({
      dq_table: MASK,
      other: { dq_table: MASK },
    });
    expect(secrets.maskEntry("dq_table", "x")).toBe(MASK);
  });

  it("--show-secrets reveals SecureStrings, never URL credentials", () => {
    const secrets = new Secrets(true);
    secrets.add("SecureValue");
    secrets.addKey("dq_table");
    secrets.addCredential("ghp_token_1");
    expect(secrets.maskText("SecureValue ghp_token_1")).toBe(`SecureValue ${MASK}`);
    expect(secrets.maskValue({ dq_table: "x" })).toEqual({ dq_table: "x" });
  });

  it("masks keys as well as values in data", () => {
    const secrets = new Secrets();
    secrets.add("hidden-key");
    expect(secrets.maskValue({ "hidden-key": ["hidden-key"] })).toEqual({ [MASK]: [MASK] });
  });
});

describe("URL credentials: one choke point", () => {
  it("every masked text loses URL credentials, with no secret known and with --show-secrets", () => {
    for (const secrets of [new Secrets(), new Secrets(true)]) {
      expect(secrets.maskText("GET http://u:pw@host/x?token=t1&a=1 failed")).toBe(
        "GET http://host/x?a=1 failed",
      );
      expect(secrets.maskValue({ url: "https://ci:k3y@jenkins/job/1/" })).toEqual({
        url: "https://jenkins/job/1/",
      });
    }
    // A URL without a credential is content: kept exactly, fragment and all.
    const console = "https://console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions";
    expect(new Secrets().maskText(console)).toBe(console);
  });

  it("a URL quoted with ' in a message keeps its closing quote, and a credential ends before it (review: 'https://h/x is not)", () => {
    const secrets = new Secrets();
    expect(secrets.maskText("error: 'https://u:pw1@h/x?token=tk2' is not an ARN.")).toBe(
      "error: 'https://h/x' is not an ARN.",
    );
    expect(secrets.maskText("error: 'arn:aws:states:eu-west-1:1:execution:sm:https://u:pw1@h' is not")).toBe(
      "error: 'arn:aws:states:eu-west-1:1:execution:sm:https://h/' is not",
    );
    // A quote inside the password is followed by more of it: still part of the URL.
    expect(secrets.maskText("x 'https://u:pa'ss@h/p' y")).toBe("x 'https://h/p' y");
    expect(credentialsInText("'https://u:pw1@h/x?token=tk2'")).toEqual(["pw1", "tk2"]);
  });

  it("the log knows the credentials of the command line and of URL variables from its first line", () => {
    const io = memoryIo();
    io.env = {
      AWS_ENDPOINT_URL: "http://svc:end%2Fpoint-pw@localhost:4566/",
      HTTPS_PROXY: "http://p:proxy-pw@proxy:3128",
    };
    const log = new Logger(io, { argv: ["stop", "https://jenkins:arg-pw-1@ci.example/"] });
    log.warn("auth end/point-pw, proxy-pw and arg-pw-1 refused; escaped end\\/point-pw");
    expect(io.writes).toEqual([`warning: auth ${MASK}, ${MASK} and ${MASK} refused; escaped ${MASK}\n`]);
  });
});

describe("Logger: one record, one line", () => {
  it("text: escapes control characters after masking, prefix colour untouched", () => {
    const io = memoryIo();
    const log = new Logger(io);
    log.addSecret("s3cr3t\nline");
    log.warn('key "x\nerror: forged" \u001b[31mred\u001b[0m \u2028 s3cr3t\nline');
    expect(io.writes).toEqual([
      `warning: key "x\\nerror: forged" \\u001b[31mred\\u001b[0m \\u2028 ${MASK}\n`,
    ]);
  });

  it("json: fields masked as values, every line valid JSON, no raw separators", () => {
    const io = memoryIo();
    const log = new Logger(io, { format: "json" });
    log.addSecret('a"b\\c');
    log.secrets.addKey("dq_table");
    log.error('msg a"b\\c \u2028', { input: { dq_table: "abc", other: 'a"b\\c' }, details: ["x\ny"] });
    expect(io.writes).toHaveLength(1);
    const line = io.writes[0] ?? "";
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\u2028\u2029]/);
    const record = JSON.parse(line);
    expect(record).toMatchObject({
      level: "error",
      message: `msg ${MASK} \u2028`,
      input: { dq_table: MASK, other: MASK },
      details: ["x\ny"],
    });
  });

  it("exitReport prints details and stack frames as lines of their own", () => {
    const io = memoryIo();
    new Logger(io).exitReport({ code: 2, message: "bad", details: ["one\ntwo"], stack: "E\n at f" });
    expect(io.writes).toEqual(["error: bad\n", "  one\\ntwo\n", "E\n", " at f\n"]);
  });

  it("debug lines lose URL credentials", () => {
    const io = memoryIo();
    new Logger(io, { verbose: true }).debug("origin https://u:tok@github.com/o/r.git?token=x#frag");
    expect(io.writes).toEqual(["debug: origin https://github.com/o/r.git\n"]);
  });
});

describe("one-line helpers", () => {
  it("quoteValue cuts to 200 characters and names the length", () => {
    const quoted = quoteValue("a".repeat(50_000_000));
    expect(quoted.length).toBeLessThan(300);
    expect(quoted).toMatch(/^"a{200}…" \(50000000 characters; the first 200 shown\)$/);
    expect(quoteValue("x\ny")).toBe('"x\\ny"');
    expect(quoteValue(`${"a".repeat(199)}😀`)).toMatch(/^"a{199}…"/);
  });

  it("escapeControl, jsonLine, clipText and optionValue keep one line", () => {
    expect(escapeControl("a\r\n\t\u0000\u007f\u0085\u202e")).toBe("a\\r\\n\\t\\u0000\\u007f\\u0085\\u202e");
    expect(JSON.parse(jsonLine({ a: "\u2028\u0085" }))).toEqual({ a: "\u2028\u0085" });
    expect(jsonLine({ a: "\u2028" })).toBe('{"a":"\\u2028"}');
    expect(clipText("b".repeat(300))).toMatch(/^b{200}… \(300 characters\)$/);
    expect(optionValue("BATCHINF_DATE", "yesterday")).toBe("BATCHINF_DATE='yesterday'");
  });
});

describe("cleanUrl: the one URL-credential cleaner", () => {
  it.each([
    ["https://user:p@ss@github.com/o/r.git", "https://github.com/o/r.git", ["p@ss"]],
    ["https://ghp_TOKEN@github.com/o/r.git", "https://github.com/o/r.git", ["ghp_TOKEN"]],
    ["https://github.com/o/r.git?token=T1&ref=main", "https://github.com/o/r.git?ref=main", ["T1"]],
    [
      "https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=ab12&X-Amz-Security-Token=st",
      "https://b.s3.amazonaws.com/k",
      ["AK/1", "ab12", "st"],
    ],
    ["https://h/p?sig=s1&private_token=t2&api_key=k3", "https://h/p", ["s1", "t2", "k3"]],
    ["https://h/cb#access_token=t4&x=1", "https://h/cb", ["t4"]],
    ["ssh://git@github.com/o/r.git", "ssh://github.com/o/r.git", []],
    ["https://u:tok@[broken/o/r", "https://[broken/o/r", ["u", "tok"]],
    ["git@github.com:o/r.git", "git@github.com:o/r.git", []],
  ])("%s", (url, clean, credentials) => {
    expect(cleanUrlParts(url)).toEqual({ url: clean, credentials });
    expect(cleanUrl(url)).toBe(clean);
  });

  it("cleans every URL in free text, in linear time", () => {
    expect(cleanUrlsInText("a https://u:t0k3n@h/x?key=k b (git+ssh://a:b@c/d) c")).toBe(
      "a https://h/x b (git+ssh://c/d) c",
    );
    expect(credentialsInText("x https://u:t0k3n@h/x y")).toEqual(["t0k3n"]);
    const started = performance.now();
    cleanUrlsInText(`${"a".repeat(1_000_000)}://${"b".repeat(1_000_000)}`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("durations", () => {
  it.each([
    ["721h", /longer than 30 days/],
    ["1m1m", /names the unit 'm' twice/],
    ["0s", /not a positive duration/],
    ["30", /is not a duration/],
  ])("%s is refused", (text, message) => {
    expect(() => parseDuration(text, "--poll-interval")).toThrow(message);
  });

  it("accepts 30 days, and timerSteps keeps each delay within Node's timer", () => {
    expect(parseDuration("30d", "--timeout")).toBe(2_592_000_000);
    const steps = timerSteps(2_592_000_000);
    expect(steps.every((step) => step <= MAX_TIMER_MS)).toBe(true);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(2_592_000_000);
  });

  it("--poll-interval <= --max-poll-interval <= 1h", () => {
    expect(() => checkPollIntervals(30_000, 10_000)).toThrow(
      /--poll-interval 30.0s is longer than --max-poll-interval/,
    );
    expect(() => checkPollIntervals(1_000, 7_200_000)).toThrow(
      /--max-poll-interval 2h00m00s is longer than 1h/,
    );
    expect(() => checkPollIntervals(parseDuration("600h", "--poll-interval"), 20_000)).toThrow(/longer than/);
    expect(() => checkPollIntervals(2_000, 20_000)).not.toThrow();
  });
});

describe("checkAgainstStateMachine", () => {
  const stateMachine = { partition: "aws", region: "ap-south-1", account: "731580992380" };
  const input = {
    aws_batch_job_queue: "arn:aws:batch:ap-south-1:111111111111:job-queue/q",
    aws_batch_job_definition_arn: "arn:aws:batch:eu-west-1:731580992380:job-definition/d:1",
    email_topic_arn: "arn:aws:sns:ap-south-1:222222222222:t",
    training_event_bus_name: "arn:aws-cn:events:cn-north-1:731580992380:event-bus/b",
  };

  it("Batch in another account or region is an error, SNS in another account a warning", () => {
    expect(
      checkAgainstStateMachine(input, stateMachine).map(({ key, severity, rule }) => ({
        key,
        severity,
        rule,
      })),
    ).toEqual([
      { key: "aws_batch_job_queue", severity: "error", rule: "state-machine-account" },
      { key: "aws_batch_job_definition_arn", severity: "error", rule: "state-machine-region" },
      { key: "email_topic_arn", severity: "warning", rule: "state-machine-account" },
      { key: "training_event_bus_name", severity: "error", rule: "state-machine-partition" },
    ]);
  });

  it("names by themselves (a queue or bus name) are not ARNs and pass", () => {
    expect(
      checkAgainstStateMachine(
        { aws_batch_job_queue: "q", training_event_bus_name: "default" },
        stateMachine,
      ),
    ).toEqual([]);
  });
});
