import { afterAll, beforeAll } from "vitest";
import {
  createSfnService,
  createSsmService,
  type FakeAws,
  type SfnService,
  type SsmService,
  startFakeAws,
} from "../fake-aws/index.js";
import { seedSsm } from "./seed.js";

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
  const { state_machine_arn: stateMachineArn, ...values } = seedSsm();
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

export interface AwsWorld {
  fake: FakeAws;
  ssm: SsmService;
  sfn: SfnService;
}

/** A fake AWS for the whole file, seeded like the seed's account; reset calls and faults per test. */
export function useFakeAws(): AwsWorld {
  const world = {} as AwsWorld;
  beforeAll(async () => {
    world.ssm = createSsmService({ accountId: SEED_ACCOUNT, region: "ap-south-1" });
    world.sfn = createSfnService({ accountId: SEED_ACCOUNT, region: "ap-south-1" });
    seedParameterStore(world.ssm);
    world.fake = await startFakeAws({ services: [world.ssm, world.sfn] });
  });
  afterAll(async () => {
    await world.fake?.close();
  });
  return world;
}
