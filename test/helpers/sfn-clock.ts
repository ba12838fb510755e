// The local Step Functions on a virtual clock for the follower's tests: one
// endpoint per test file, a client without SDK retries, and `start` for a
// scripted execution on a state machine of its own.

import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll } from "vitest";
import {
  createSfnService,
  type ExecutionScript,
  type FakeAws,
  type SfnService,
  startFakeAws,
} from "../fake-aws/index.js";

export interface SfnOnClock {
  readonly fake: FakeAws;
  readonly sfn: SfnService;
  readonly client: SFNClient;
  /** Virtual epoch ms; `sleep` and `set` move it. */
  now(): number;
  set(at: number): void;
  sleep(ms: number): Promise<void>;
  /** A new state machine running `script`, and one execution of it. */
  start(script: ExecutionScript): Promise<{ arn: string; startedAt: number }>;
}

export function useSfnOnClock(prefix: string): SfnOnClock {
  let t = Date.UTC(2023, 9, 14, 6, 0, 0);
  let n = 0;
  const clock = { now: () => t };
  let fake: FakeAws;
  let sfn: SfnService;
  let client: SFNClient;
  beforeAll(async () => {
    sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1", clock });
    fake = await startFakeAws({ services: [sfn], clock });
    client = new SFNClient({ ...fake.clientConfig("ap-south-1"), maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await fake.close();
  });
  return {
    get fake() {
      return fake;
    },
    get sfn() {
      return sfn;
    },
    get client() {
      return client;
    },
    now: clock.now,
    set: (at) => {
      t = at;
    },
    sleep: async (ms) => {
      t += ms;
    },
    async start(script) {
      n += 1;
      const name = `${prefix}-${n}`;
      const machine = sfn.addStateMachine({ name, script });
      const started = await client.send(
        new StartExecutionCommand({ stateMachineArn: machine, name, input: "{}" }),
      );
      return { arn: started.executionArn as string, startedAt: started.startDate?.getTime() ?? t };
    },
  };
}
