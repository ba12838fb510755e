import schema from "../../schemas/batch-inference-input.schema.json" with { type: "json" };
import type { CommandContext } from "./context.js";

/** `batchinf schema`: the JSON Schema the input is validated against. */
export function schemaCommand(ctx: CommandContext): number {
  ctx.io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}
