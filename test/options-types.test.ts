import { describe, expectTypeOf, it } from "vitest";
import type { OptionsOf } from "../src/cli-options.js";

// Compile-time checks, run by `tsc` (npm test): the commands' option types are
// inferred from the one option table, so a renamed flag, a changed parser or a
// flag a command does not take fails the build, not a user.
describe("options typed from the option table", () => {
  it("gives each command exactly its flags, with their parsed types", () => {
    expectTypeOf<OptionsOf<"run">["pollInterval"]>().toEqualTypeOf<number>();
    expectTypeOf<OptionsOf<"run">["onAbort"]>().toEqualTypeOf<"stop" | "detach">();
    expectTypeOf<OptionsOf<"run">["set"]>().toEqualTypeOf<string[]>();
    expectTypeOf<OptionsOf<"run">["wait"]>().toEqualTypeOf<boolean>();
    expectTypeOf<OptionsOf<"run">["stateMachineArn"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<OptionsOf<"backfill">["concurrency"]>().toEqualTypeOf<number>();
    expectTypeOf<OptionsOf<"validate">["format"]>().toEqualTypeOf<"text" | "json" | "junit">();
    expectTypeOf<OptionsOf<"run">>().not.toHaveProperty("concurrency");
    expectTypeOf<OptionsOf<"render">>().not.toHaveProperty("timeout");
    expectTypeOf<OptionsOf<"backfill">>().not.toHaveProperty("date");
    const run = {} as OptionsOf<"run">;
    // @ts-expect-error a flag run does not take
    void run.concurrency;
    // @ts-expect-error a name no flag has
    void run.pollIntervall;
  });
});
