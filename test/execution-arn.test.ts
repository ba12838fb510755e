import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertExecutionName, isServiceName } from "../src/execution/execution-name.js";
import { parseExecutionArn, parseStateMachineArn } from "../src/execution/state-machine.js";

const PREFIX = "arn:aws:states:ap-south-1:731580992380";
/** What Step Functions refuses in a name besides whitespace and control characters (its documentation's list). */
const FORBIDDEN = [...'<>{}[]?*"#%\\^|~`$&,;:/'];

describe("execution ARNs: every name Step Functions accepts", () => {
  it.each(["v1.2-rerun", "a+b", "rerun-été", "build(42)@main", "日本語", "x".repeat(80)])(
    "parses an execution named %s",
    (name) => {
      const ref = parseExecutionArn(`${PREFIX}:execution:batch.inference-DCP:${name}`);
      expect(ref).toMatchObject({ name, stateMachineName: "batch.inference-DCP", region: "ap-south-1" });
      expect(ref?.stateMachineArn).toBe(`${PREFIX}:stateMachine:batch.inference-DCP`);
    },
  );

  it("refuses a name Step Functions would refuse: too long, whitespace, a forbidden or control character", () => {
    for (const name of [
      "",
      "x".repeat(81),
      "a b",
      "a\tb",
      "a\u0085b",
      "a\u0007b",
      ...FORBIDDEN.map((c) => `a${c}b`),
    ]) {
      expect(parseExecutionArn(`${PREFIX}:execution:m:${name}`), JSON.stringify(name)).toBeUndefined();
    }
  });

  it("any name of 1-80 allowed characters round-trips, any with a forbidden one is refused (1,000 generated names each)", () => {
    const allowed = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 80 })
      .filter((name) => [...name].length <= 80 && isServiceName(name));
    fc.assert(
      fc.property(allowed, (name) => {
        expect(parseExecutionArn(`${PREFIX}:execution:m:${name}`)?.name).toBe(name);
      }),
      { numRuns: 1000 },
    );
    const spoiled = fc
      .tuple(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(...FORBIDDEN, " ", "\n", "\u0000", "\u009f"),
        fc.string({ maxLength: 30 }),
      )
      .map(([a, bad, b]) => `${a}${bad}${b}`);
    fc.assert(
      fc.property(spoiled, (name) => {
        expect(isServiceName(name)).toBe(false);
        expect(parseExecutionArn(`${PREFIX}:execution:m:${name}`)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it("a state machine from SSM may be named as the service allows too, with a version or alias", () => {
    expect(parseStateMachineArn(`${PREFIX}:stateMachine:batch.inference`).name).toBe("batch.inference");
    expect(parseStateMachineArn(`${PREFIX}:stateMachine:m:prod.v2`).qualifier).toEqual({
      kind: "alias",
      alias: "prod.v2",
    });
    expect(() => parseStateMachineArn(`${PREFIX}:stateMachine:a b`)).toThrow(/is not a state machine ARN/);
  });

  it("a new execution's name keeps to [A-Za-z0-9_-]", () => {
    expect(() => assertExecutionName("v1.2-rerun")).toThrow(/is not allowed/);
    expect(() => assertExecutionName("DCP-20231014-jenkins_42")).not.toThrow();
  });
});
