// Everything that needs the AWS SDK, behind one door. The build bundles this
// file (with the SDK) into dist/batchinf-aws.mjs, which the CLI imports only
// when a command calls AWS; `render --dry-run`, `validate` and `schema` never
// load, or even parse, it.

export { startIdempotently } from "../run/start.js";
export { followExecution } from "../run/wait.js";
export { createAwsClients } from "./clients.js";
export { awsFailure } from "./errors.js";
export { readSsmSnapshot } from "./read-ssm.js";
export { consoleUrl, describeExecution, describeStateMachine } from "./sfn.js";
