// Everything that needs the AWS SDK, behind one door. The build bundles this
// file (with the SDK) into dist/batchinf-aws.mjs, which the CLI imports only
// when a command calls AWS; `render --dry-run`, `validate` and `schema` never
// load, or even parse, it.

export { BackfillBudget } from "../backfill/budget.js";
export { findExistingExecutions } from "../backfill/existing.js";
export { checkStateMachine } from "../execution/machine-check.js";
export { attachAndFollow, newReport, startAndFollow, stopFollowed } from "../execution/service.js";
export { stopWithin } from "../execution/stop.js";
export { describeTaskFailure } from "../failure/describe.js";
export { SharedLogFollowing } from "../failure/follow-task-logs.js";
export { runPreflightLoaded as runPreflight } from "../preflight/load.js";
export { attachApiBudget } from "./api-budget.js";
export { createAwsClients } from "./clients.js";
export { awsErrorName, awsFailure, classifyAwsError } from "./errors.js";
export { readSsmSnapshot } from "./read-ssm.js";
export { consoleUrl, describeExecution, describeStateMachine, stopExecution } from "./sfn.js";
