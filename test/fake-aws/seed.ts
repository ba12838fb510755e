import { readFileSync } from "node:fs";
import type { SsmService } from "./ssm.js";

export const SEED_ACCOUNT = "731580992380";
export const SECRET_KEY = "aws_batch_job_name";
export const SSM_PATH = "/mlops/dcp/";

/**
 * Parameter Store as Terraform leaves it for the seed: the 16 values under
 * /mlops/dcp/ one parameter each (one a SecureString), and a JSON-valued
 * parameter under a child path carrying the state machine ARN and a key
 * that is not an input key.
 */
export function seedParameterStore(ssm: SsmService): void {
  const { state_machine_arn: stateMachineArn, ...values } = JSON.parse(
    readFileSync(new URL("../../fixtures/seed/ssm.json", import.meta.url), "utf8"),
  ) as Record<string, string>;
  for (const [key, value] of Object.entries(values)) {
    ssm.putParameter({
      name: `${SSM_PATH}${key}`,
      value,
      type: key === SECRET_KEY ? "SecureString" : "String",
    });
  }
  ssm.putParameter({
    name: `${SSM_PATH}pipeline/config`,
    value: JSON.stringify({ state_machine_arn: stateMachineArn, glue_worker_type: "G.1X" }),
  });
}
