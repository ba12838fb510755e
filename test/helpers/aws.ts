import { afterAll, beforeAll } from "vitest";
import {
  createPreflightServices,
  createSfnService,
  createSsmService,
  createStsService,
  type FakeAws,
  type PreflightServices,
  type SfnService,
  type SsmService,
  type StsService,
  seedPipelineResources,
  startFakeAws,
} from "../fake-aws/index.js";
import { seedParameterStore } from "../fake-aws/seed.js";

export { SECRET_KEY, SEED_ACCOUNT, SSM_PATH, seedParameterStore } from "../fake-aws/seed.js";

export interface AwsWorld {
  fake: FakeAws;
  ssm: SsmService;
  sfn: SfnService;
  /** What preflight asks (Glue, S3, IAM, ...), holding the seed pipeline's resources. */
  preflight: PreflightServices;
  /** STS on the wall clock: AssumeRole, and expired sessions refused by every service. */
  sts: StsService;
}

/** A fake AWS for the whole file, seeded like the seed's account; reset calls and faults per test. */
export function useFakeAws(): AwsWorld {
  const world = {} as AwsWorld;
  beforeAll(async () => {
    world.ssm = createSsmService({ accountId: "731580992380", region: "ap-south-1" });
    world.sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1" });
    seedParameterStore(world.ssm);
    world.sts = createStsService({ accountId: "731580992380", clock: { now: () => Date.now() } });
    world.preflight = createPreflightServices();
    seedPipelineResources(world.preflight, undefined, world.ssm);
    world.fake = await startFakeAws({
      services: [world.ssm, world.sfn, ...world.preflight.all],
      sts: world.sts,
    });
  });
  afterAll(async () => {
    await world.fake?.close();
  });
  return world;
}
