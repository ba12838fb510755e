// Contract between the local AWS endpoint's HTTP core (server.ts) and the
// service simulations plugged into it (ssm.ts, sfn.ts). A service is plain
// state + a handler; the core owns HTTP, the AWS JSON protocol framing,
// fault injection and call recording, so every service gets them for free.

/** An error the way AWS JSON services report one: `__type` code, message, HTTP status. */
export class AwsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** The clock the simulation runs on; tests may run it faster than wall time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface ServiceContext {
  clock: Clock;
}

export interface AwsService {
  /** `X-Amz-Target` prefix before the dot, e.g. `AmazonSSM` or `AWSStepFunctions`. */
  readonly targetPrefix: string;
  /** awsJson protocol version: SSM speaks 1.1, Step Functions 1.0. */
  readonly jsonVersion: "1.0" | "1.1";
  /**
   * Handle one operation. Return the response body (serialised as JSON);
   * throw AwsFault for a modelled error. Anything else thrown becomes HTTP 500
   * `InternalServerError`, as a crashing backend would.
   */
  handle(operation: string, input: Record<string, unknown>, ctx: ServiceContext): unknown | Promise<unknown>;
}

/** One recorded call, for assertions. */
export interface RecordedCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  /** HTTP status sent, "dropped" when the connection was destroyed, "hung" when it was never answered. */
  outcome: number | "dropped" | "hung";
  /** The `__type` of an error response, if any. */
  errorCode?: string;
  at: number;
}

/**
 * A service that speaks restJson1 (AWS Batch): no `X-Amz-Target`, the
 * operation is the request's method and path, and errors go out as an
 * `x-amzn-ErrorType` header with a JSON `message`. The core dispatches to it
 * only when a request carries no target header and its route matches.
 */
export interface RestJsonService {
  readonly protocol: "restJson1";
  /** The service's name in call records and fault rules, e.g. `AWSBatch`. */
  readonly targetPrefix: string;
  /** `METHOD /path` to operation name, e.g. `"POST /v1/describejobs": "DescribeJobs"`. */
  readonly routes: Readonly<Record<string, string>>;
  handle(operation: string, input: Record<string, unknown>, ctx: ServiceContext): unknown | Promise<unknown>;
}
