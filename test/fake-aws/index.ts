// One import point for tests: `import { startFakeAws, createSsmService } from "./fake-aws/index.js"`.

export * from "./batch.js";
export * from "./logs.js";
export * from "./server.js";
export * from "./sfn.js";
export * from "./ssm.js";
export * from "./sts.js";
export * from "./task-logs.js";
export * from "./types.js";
