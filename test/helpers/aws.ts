import { afterAll, beforeAll } from "vitest";
import {
  createSfnService,
  createSsmService,
  createStsService,
  type FakeAws,
  type SfnService,
  type SsmService,
  type StsService,
  startFakeAws,
} from "../fake-aws/index.js";
import { seedParameterStore } from "../fake-aws/seed.js";

export { SECRET_KEY, SEED_ACCOUNT, SSM_PATH, seedParameterStore } from "../fake-aws/seed.js";

export interface AwsWorld {
  fake: FakeAws;
  ssm: SsmService;
  sfn: SfnService;
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
    world.fake = await startFakeAws({ services: [world.ssm, world.sfn], sts: world.sts });
  });
  afterAll(async () => {
    await world.fake?.close();
  });
  return world;
}
