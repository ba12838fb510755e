import type { OptionsOf } from "../cli-options.js";
import { EnvironmentError } from "../errors.js";
import type { CommandContext } from "./context.js";

export type BackfillOptions = OptionsOf<"backfill">;

export async function backfillCommand(_options: BackfillOptions, _ctx: CommandContext): Promise<number> {
  throw new EnvironmentError("backfill is not built yet.");
}
