// One import point for tests: `import { startFakeAws, createSsmService } from "./fake-aws/index.js"`.

export * from "./batch.js";
export * from "./batch-resources.js";
export * from "./dynamodb.js";
export * from "./events.js";
export * from "./glue.js";
export * from "./http-service.js";
export * from "./iam.js";
export * from "./lambda.js";
export * from "./logs.js";
export * from "./preflight-seed.js";
export * from "./s3.js";
export * from "./server.js";
export * from "./sfn.js";
export * from "./sns.js";
export * from "./ssm.js";
export * from "./sts.js";
export * from "./task-logs.js";
export * from "./types.js";
