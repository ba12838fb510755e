// The HTTP core of the local AWS endpoint. It speaks just enough of the AWS
// JSON protocols (awsJson1_0 / awsJson1_1) for the real AWS SDK clients to run
// against it unmodified, the way a user points them at `AWS_ENDPOINT_URL`:
// dispatch on `X-Amz-Target`, JSON bodies, `__type` errors. Services plug in
// through the AwsService contract in types.ts; the core adds call recording and
// deterministic fault injection so every service gets them for free. A
// restJson1 service (AWS Batch: `POST /v1/describejobs`) plugs in through
// RestJsonService and is reached by its route when a request has no target.
// S3, IAM, SNS and Lambda plug in through HttpService (http-service.ts) and are
// reached by the service name their requests are signed for.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { HttpAnswer, HttpRequest, HttpService } from "./http-service.js";
import { errorXml, type StsService } from "./sts.js";
import { AwsFault, type AwsService, type Clock, type RecordedCall, type RestJsonService } from "./types.js";

export type FaultKind =
  | "throttle"
  | "http500"
  | "http503"
  | "drop"
  | "latency"
  | "accessDenied"
  | "hang"
  /** Something in front of AWS answers instead: a proxy's HTML error page (502), or a JSON body cut off (200). */
  | "htmlPage"
  | "truncatedJson";

/**
 * One fault rule. Counters are per rule and count only the calls the rule
 * matches, so independent rules compose: "1 in 3 throttled, 1 in 5 answered
 * 500, 1 in 10 dropped" is three `add` calls. Decisions are counter-based,
 * never random, so a test replays identically.
 */
export interface FaultRule {
  /** Operation name (exact) or pattern; all operations when omitted. */
  operation?: string | RegExp;
  /** Service `targetPrefix` (e.g. `AmazonSSM`); all services when omitted. */
  service?: string;
  kind: FaultKind;
  /** Inject on every Nth matching call (N, 2N, ...); 1 (default) = every call. */
  every?: number;
  /** Stop injecting after this many injections; unlimited when omitted. */
  count?: number;
  /** Delay for `latency` faults, in wall-clock milliseconds. */
  ms?: number;
  /**
   * `hang`: the request is read and never answered (a stalled NAT or proxy
   * does this); the connection stays open until the client gives up. With
   * `takeEffect` the service handles the call first (a StartExecution that
   * started the execution) and only the answer is lost.
   */
  takeEffect?: boolean;
}

/** Live view of an added rule, for asserting how often it fired. */
export interface FaultHandle {
  readonly rule: FaultRule;
  /** Matching calls seen while the rule was active. */
  readonly matched: number;
  /** Times the fault was actually applied. */
  readonly injected: number;
  remove(): void;
}

/**
 * Several rules may fall due on the same call: every due `latency` rule adds
 * its delay, and the first due rule of any other kind (in `add` order) decides
 * the response. A rule that loses that tie keeps its turn and takes the next
 * matching call nobody else claims, so each rule's rate holds over a run
 * (1 in 3, 1 in 5 and 1 in 10 over 30 calls: 10, 5 and 2 injections, the
 * remainder still owed).
 */
export interface FaultInjector {
  add(rule: FaultRule): FaultHandle;
  clear(): void;
}

export interface FakeAwsOptions {
  services?: Array<AwsService | RestJsonService | HttpService>;
  clock?: Clock;
  /**
   * STS: answers AssumeRole (requests signed for `sts`), and is asked by every
   * service whether a request's session has expired (then ExpiredTokenException).
   */
  sts?: StsService;
}

/** SDK client settings that aim a real client at the fake. */
export interface FakeClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface FakeAws {
  readonly url: string;
  readonly port: number;
  readonly clock: Clock;
  /** Every call in arrival order; `outcome` is filled in when the response is sent. */
  readonly calls: RecordedCall[];
  callsTo(operation: string): RecordedCall[];
  resetCalls(): void;
  readonly faults: FaultInjector;
  clientConfig(region?: string): FakeClientConfig;
  /** Environment for a spawned CLI: the standard AWS variables aimed at the fake. */
  env(options?: { region?: string }): Record<string, string>;
  close(): Promise<void>;
}

const DEFAULT_REGION = "ap-south-1";

/** IAM action prefixes, so injected AccessDenied messages read like real ones. */
const IAM_PREFIX: Record<string, string> = {
  AmazonSSM: "ssm",
  AWSStepFunctions: "states",
  Logs_20140328: "logs",
  AWSBatch: "batch",
  AWSGlue: "glue",
  DynamoDB_20120810: "dynamodb",
  AWSEvents: "events",
};

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const clock = options.clock ?? { now: () => Date.now() };
  const all = options.services ?? [];
  const http = new Map(all.filter(isHttp).map((s) => [s.signingName, s] as const));
  const services = new Map(
    all.filter((s): s is AwsService => !isRestJson(s) && !isHttp(s)).map((s) => [s.targetPrefix, s] as const),
  );
  const routes = new Map(
    all
      .filter(isRestJson)
      .flatMap((s) => Object.entries(s.routes).map(([route, op]) => [route, { service: s, op }] as const)),
  );
  const calls: RecordedCall[] = [];
  const faults = new FaultTable();
  const delays = new Delays();
  const server = createServer((req, res) => {
    handleRequest({ req, res, services, routes, http, clock, calls, faults, delays, sts: options.sts }).catch(
      (err: unknown) => {
        // A bug in the fake itself; answer so the client does not hang on it.
        sendError(res, "1.1", new AwsFault("InternalServerError", String(err), 500));
      },
    );
  });
  const sockets = trackSockets(server);
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    clock,
    calls,
    callsTo: (operation) => calls.filter((c) => c.operation === operation),
    resetCalls: () => {
      // In place, so a reference a test already holds stays live.
      calls.length = 0;
    },
    faults,
    clientConfig: (region = DEFAULT_REGION) => ({
      endpoint: url,
      region,
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
    }),
    env: ({ region } = {}) => fakeEnv(url, region),
    close: () => closeServer(server, sockets, delays),
  };
}

/** What AWS answers for a target it does not know; services throw it for operations they do not model. */
export function unknownOperation(targetPrefix: string, operation: string): AwsFault {
  return new AwsFault("UnknownOperationException", `${targetPrefix}.${operation} is not a known operation.`);
}

function fakeEnv(url: string, region: string | undefined): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
    // Without this a credential-chain miss would probe IMDS and stall for seconds.
    AWS_EC2_METADATA_DISABLED: "true",
    ...(region ? { AWS_REGION: region } : {}),
  };
}

interface RequestScope {
  req: IncomingMessage;
  res: ServerResponse;
  services: Map<string, AwsService>;
  routes: Map<string, { service: RestJsonService; op: string }>;
  http: Map<string, HttpService>;
  clock: Clock;
  calls: RecordedCall[];
  faults: FaultTable;
  delays: Delays;
  sts: StsService | undefined;
}

async function handleRequest(scope: RequestScope): Promise<void> {
  const { req, res, services, clock, calls } = scope;
  const body = await readBody(req);
  if (scope.sts && signingServiceOf(req.headers.authorization) === "sts")
    return handleSts(scope, scope.sts, body);
  const httpService =
    req.headers["x-amz-target"] === undefined
      ? scope.http.get(signingServiceOf(req.headers.authorization) ?? "")
      : undefined;
  if (httpService) return handleHttp(scope, httpService, body);
  const route =
    req.headers["x-amz-target"] === undefined
      ? scope.routes.get(`${req.method} ${(req.url ?? "").split("?")[0]}`)
      : undefined;
  if (route) return handleRestJson(scope, route.service, route.op, body);
  const target = parseTarget(req.headers["x-amz-target"]);
  const service = target ? services.get(target.prefix) : undefined;
  const call: RecordedCall = {
    service: target?.prefix ?? "",
    operation: target?.operation ?? "",
    input: {},
    outcome: 0,
    at: clock.now(),
  };
  calls.push(call);
  if (!target || !service) {
    const fault = unknownOperation(target?.prefix ?? "", target?.operation ?? "");
    return respondError(call, res, versionFromContentType(req), fault);
  }
  const input = parseInput(body);
  if (input instanceof AwsFault) return respondError(call, res, service.jsonVersion, input);
  call.input = input;
  await dispatch(scope, call, service, target.operation, input);
}

async function dispatch(
  scope: RequestScope,
  call: RecordedCall,
  service: AwsService,
  operation: string,
  input: Record<string, unknown>,
): Promise<void> {
  const { req, res, clock, faults, delays } = scope;
  if (scope.sts?.isExpired(req.headers)) return respondError(call, res, service.jsonVersion, expiredToken());
  const decision = faults.decide(service.targetPrefix, operation);
  const closing = decision.latencyMs > 0 && !(await delays.wait(decision.latencyMs));
  if (closing || decision.kind === "drop") {
    call.outcome = "dropped";
    req.socket.destroy();
    return;
  }
  if (decision.kind === "hang")
    return hang(call, decision, () => service.handle(operation, input, { clock }));
  if (decision.kind === "htmlPage" || decision.kind === "truncatedJson")
    return sendUnreadable(call, res, decision.kind);
  if (decision.kind) {
    return respondError(call, res, service.jsonVersion, injectedFault(decision.kind, service, operation));
  }
  try {
    const output = await service.handle(operation, input, { clock });
    call.outcome = 200;
    sendJson(res, service.jsonVersion, 200, output);
  } catch (err) {
    respondError(call, res, service.jsonVersion, asFault(err));
  }
}

/** Never answer: the socket stays open (close() destroys it); with takeEffect the call is handled first. */
async function hang(call: RecordedCall, decision: FaultDecision, handle: () => unknown): Promise<void> {
  call.outcome = "hung";
  if (!decision.takeEffect) return;
  try {
    await handle();
  } catch {
    // Whatever it would have answered, the answer is what is lost.
  }
}

function isRestJson(service: AwsService | RestJsonService | HttpService): service is RestJsonService {
  return "protocol" in service && service.protocol === "restJson1";
}

function isHttp(service: AwsService | RestJsonService | HttpService): service is HttpService {
  return "protocol" in service && service.protocol === "http";
}

/** An S3, IAM, SNS or Lambda call: recorded, fault-injected and answered in the service's own framing. */
async function handleHttp(scope: RequestScope, service: HttpService, body: string): Promise<void> {
  const { req, res, clock, calls } = scope;
  const url = new URL(req.url ?? "/", "http://fake");
  const request: HttpRequest = {
    method: req.method ?? "GET",
    path: decodeURIComponent(url.pathname),
    query: url.searchParams,
    headers: req.headers,
    body,
  };
  const operation = service.operationOf(request);
  const call: RecordedCall = {
    service: service.targetPrefix,
    operation: operation ?? "",
    input: {},
    outcome: 0,
    at: clock.now(),
  };
  calls.push(call);
  const answer = (fault: AwsFault) => {
    call.outcome = fault.status;
    call.errorCode = fault.code;
    sendHttp(res, request, service.errorAnswer(fault, request));
  };
  if (!operation) {
    return answer(new AwsFault("MethodNotAllowed", `${request.method} ${request.path} is not modelled`, 405));
  }
  call.input = service.inputOf(request);
  if (scope.sts?.isExpired(req.headers)) return answer(expiredToken());
  const handle = () => service.handle(operation, request, { clock });
  const fault = await dueFault(scope, service.targetPrefix, operation, call, handle);
  if (fault === "answered") return;
  if (fault) return answer(service.injected?.(fault, operation) ?? injectedFault(fault, service, operation));
  try {
    const output = await handle();
    call.outcome = output.status;
    sendHttp(res, request, output);
  } catch (err) {
    answer(asFault(err));
  }
}

/**
 * Wait out the latency due on a call, then drop or hang it ("answered": nothing
 * more to send), or name the error to answer with, if one is due.
 */
async function dueFault(
  scope: RequestScope,
  service: string,
  operation: string,
  call: RecordedCall,
  handle: () => unknown,
): Promise<
  "answered" | Exclude<FaultKind, "drop" | "latency" | "hang" | "htmlPage" | "truncatedJson"> | undefined
> {
  const decision = scope.faults.decide(service, operation);
  const closing = decision.latencyMs > 0 && !(await scope.delays.wait(decision.latencyMs));
  if (closing || decision.kind === "drop") {
    call.outcome = "dropped";
    scope.req.socket.destroy();
    return "answered";
  }
  if (decision.kind === "hang") {
    await hang(call, decision, handle);
    return "answered";
  }
  if (decision.kind === "htmlPage" || decision.kind === "truncatedJson") {
    sendUnreadable(call, scope.res, decision.kind);
    return "answered";
  }
  return decision.kind;
}

function sendHttp(res: ServerResponse, req: HttpRequest, answer: HttpAnswer): void {
  if (res.destroyed || res.headersSent) return;
  const body = req.method === "HEAD" ? "" : (answer.body ?? "");
  res.writeHead(answer.status, {
    "x-amzn-RequestId": randomUUID(),
    ...answer.headers,
    "Content-Length": answer.headers?.["Content-Length"] ?? Buffer.byteLength(body),
  });
  res.end(body);
}

/** A restJson1 call: recorded, fault-injected and answered like the awsJson ones, in its own framing. */
async function handleRestJson(
  scope: RequestScope,
  service: RestJsonService,
  operation: string,
  body: string,
): Promise<void> {
  const { req, res, clock, calls, faults, delays } = scope;
  const call: RecordedCall = {
    service: service.targetPrefix,
    operation,
    input: {},
    outcome: 0,
    at: clock.now(),
  };
  calls.push(call);
  const input = parseInput(body);
  const fail = (fault: AwsFault) => {
    call.outcome = fault.status;
    call.errorCode = fault.code;
    sendRestError(res, fault);
  };
  if (input instanceof AwsFault) return fail(input);
  call.input = input;
  if (scope.sts?.isExpired(req.headers)) return fail(expiredToken());
  const decision = faults.decide(service.targetPrefix, operation);
  const closing = decision.latencyMs > 0 && !(await delays.wait(decision.latencyMs));
  if (closing || decision.kind === "drop") {
    call.outcome = "dropped";
    req.socket.destroy();
    return;
  }
  if (decision.kind === "hang")
    return hang(call, decision, () => service.handle(operation, input, { clock }));
  if (decision.kind === "htmlPage" || decision.kind === "truncatedJson")
    return sendUnreadable(call, res, decision.kind);
  if (decision.kind) {
    const fault = injectedFault(decision.kind, service, operation);
    // restJson1 services answer an IAM denial with 403, as API Gateway-fronted AWS APIs do.
    return fail(
      fault.code === "AccessDeniedException" ? new AwsFault(fault.code, fault.message, 403) : fault,
    );
  }
  try {
    const output = await service.handle(operation, input, { clock });
    call.outcome = 200;
    sendRestJson(res, 200, output);
  } catch (err) {
    fail(asFault(err));
  }
}

/** A proxy's error page, or an answer cut off mid-body: what the SDK cannot deserialize. */
function sendUnreadable(call: RecordedCall, res: ServerResponse, kind: "htmlPage" | "truncatedJson"): void {
  const [status, type, body] =
    kind === "htmlPage"
      ? [
          502,
          "text/html",
          "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        ]
      : [200, "application/x-amz-json-1.1", '{"executions": [{"executionArn": "arn:aws:states:'];
  call.outcome = status;
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** What every service answers a request signed with a session that has run out. */
function expiredToken(): AwsFault {
  return new AwsFault("ExpiredTokenException", "The security token included in the request is expired", 400);
}

/** `Credential=AKID/DATE/REGION/SERVICE/aws4_request` -> SERVICE: how query-protocol services are told apart. */
function signingServiceOf(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== "string") return undefined;
  return /Credential=[^/]*\/\d{8}\/[^/]*\/([^/]+)\/aws4_request/.exec(authorization)?.[1];
}

/** An STS call (query protocol): recorded and fault-injected like the others, answered in XML. */
async function handleSts(scope: RequestScope, sts: StsService, body: string): Promise<void> {
  const { req, res, clock, calls, faults, delays } = scope;
  const params = new URLSearchParams(body);
  const call: RecordedCall = {
    service: sts.targetPrefix,
    operation: params.get("Action") ?? "",
    input: Object.fromEntries([...params].filter(([key]) => key !== "Action" && key !== "Version")),
    outcome: 0,
    at: clock.now(),
  };
  calls.push(call);
  const send = (status: number, xml: string, code?: string) => {
    call.outcome = status;
    if (code) call.errorCode = code;
    if (res.destroyed || res.headersSent) return;
    res.writeHead(status, {
      "Content-Type": "text/xml",
      "Content-Length": Buffer.byteLength(xml),
      "x-amzn-RequestId": randomUUID(),
    });
    res.end(xml);
  };
  // STS names the expired session in its own words: ExpiredToken, in XML.
  if (sts.isExpired(req.headers)) {
    const fault = new AwsFault("ExpiredToken", "The security token included in the request is expired", 400);
    return send(fault.status, errorXml(fault), fault.code);
  }
  const decision = faults.decide(sts.targetPrefix, call.operation);
  if (!(await delays.pass(decision, call, req))) return;
  if (decision.kind === "hang") return hang(call, decision, () => sts.handleQuery(body, req.headers));
  if (decision.kind === "htmlPage" || decision.kind === "truncatedJson")
    return sendUnreadable(call, res, decision.kind);
  if (decision.kind && decision.kind !== "drop") {
    const fault = injectedFault(decision.kind, { targetPrefix: "sts" } as AwsService, call.operation);
    return send(fault.status, errorXml(fault), fault.code);
  }
  const answer = sts.handleQuery(body, req.headers);
  const code = answer.status === 200 ? undefined : /<Code>([^<]*)<\/Code>/.exec(answer.body)?.[1];
  send(answer.status, answer.body, code);
}

function sendRestJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const payload = toJson(body ?? {});
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
    "x-amzn-RequestId": randomUUID(),
  });
  res.end(payload);
}

/** restJson1 errors: the code in `x-amzn-ErrorType`, the body only `{ message }`. */
function sendRestError(res: ServerResponse, fault: AwsFault): void {
  if (res.destroyed || res.headersSent) return;
  res.setHeader("x-amzn-ErrorType", fault.code);
  sendRestJson(res, fault.status, fault.message ? { message: fault.message } : {});
}

function respondError(call: RecordedCall, res: ServerResponse, version: string, fault: AwsFault): void {
  call.outcome = fault.status;
  call.errorCode = fault.code;
  sendError(res, version, fault);
}

/** Anything but a modelled AwsFault is a crashing backend: HTTP 500, as AWS would answer. */
function asFault(err: unknown): AwsFault {
  if (err instanceof AwsFault) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new AwsFault("InternalServerError", `Internal error in the fake service: ${detail}`, 500);
}

function injectedFault(
  kind: Exclude<FaultKind, "drop" | "latency" | "hang" | "htmlPage" | "truncatedJson">,
  service: AwsService | RestJsonService | HttpService,
  op: string,
) {
  switch (kind) {
    case "throttle":
      return new AwsFault("ThrottlingException", "Rate exceeded", 400);
    case "http500":
      return new AwsFault("InternalServerError", "An internal error occurred.", 500);
    case "http503":
      return new AwsFault("ServiceUnavailable", "Service Unavailable", 503);
    case "accessDenied":
      return accessDenied(service, op);
  }
}

function accessDenied(service: AwsService | RestJsonService | HttpService, op: string): AwsFault {
  const action = `${IAM_PREFIX[service.targetPrefix] ?? service.targetPrefix.toLowerCase()}:${op}`;
  return new AwsFault(
    "AccessDeniedException",
    `User: arn:aws:sts::123456789012:assumed-role/jenkins/batchinf is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
  );
}

function parseTarget(
  header: string | string[] | undefined,
): { prefix: string; operation: string } | undefined {
  if (typeof header !== "string") return undefined;
  const dot = header.lastIndexOf(".");
  if (dot <= 0 || dot === header.length - 1) return undefined;
  return { prefix: header.slice(0, dot), operation: header.slice(dot + 1) };
}

function parseInput(body: string): Record<string, unknown> | AwsFault {
  // The SDK always sends at least `{}`; tolerate an empty body like AWS does.
  if (body.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through to the same error as a non-object body
  }
  return new AwsFault("SerializationException", "Start of structure or map found where not expected.");
}

function versionFromContentType(req: IncomingMessage): "1.0" | "1.1" {
  return req.headers["content-type"]?.includes("x-amz-json-1.0") ? "1.0" : "1.1";
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, version: string, status: number, body: unknown): void {
  if (res.destroyed) return;
  const payload = toJson(body ?? {});
  res.writeHead(status, {
    "Content-Type": `application/x-amz-json-${version}`,
    "Content-Length": Buffer.byteLength(payload),
    "x-amzn-RequestId": randomUUID(),
  });
  res.end(payload);
}

function sendError(res: ServerResponse, version: string, fault: AwsFault): void {
  if (res.destroyed || res.headersSent) return;
  res.setHeader("x-amzn-ErrorType", fault.code);
  // AWS omits an empty message rather than sending "", and the SDK then says "UnknownError".
  sendJson(
    res,
    version,
    fault.status,
    fault.message ? { __type: fault.code, message: fault.message } : { __type: fault.code },
  );
}

/** AWS JSON protocols put timestamps on the wire as epoch seconds; services may return Date. */
function toJson(body: unknown): string {
  return JSON.stringify(body, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
}

interface FaultEntry {
  rule: FaultRule;
  matched: number;
  injected: number;
  /** Turns that fell due while another rule held the call. */
  owed: number;
}

interface FaultDecision {
  latencyMs: number;
  kind?: Exclude<FaultKind, "latency">;
  /** `hang` only: handle the call before never answering. */
  takeEffect?: boolean;
}

class FaultTable implements FaultInjector {
  private entries: FaultEntry[] = [];

  add(rule: FaultRule): FaultHandle {
    if (rule.every !== undefined && !(Number.isInteger(rule.every) && rule.every >= 1)) {
      throw new Error(`fault rule: every must be a positive integer, got ${rule.every}`);
    }
    if (rule.kind === "latency" && !(typeof rule.ms === "number" && rule.ms >= 0)) {
      throw new Error("fault rule: latency needs ms >= 0");
    }
    const entry: FaultEntry = { rule, matched: 0, injected: 0, owed: 0 };
    this.entries.push(entry);
    return {
      rule,
      get matched() {
        return entry.matched;
      },
      get injected() {
        return entry.injected;
      },
      remove: () => {
        this.entries = this.entries.filter((e) => e !== entry);
      },
    };
  }

  clear(): void {
    this.entries = [];
  }

  decide(service: string, operation: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const entry of this.entries) {
      if (!matches(entry, service, operation)) continue;
      entry.matched += 1;
      if (entry.matched % (entry.rule.every ?? 1) === 0) entry.owed += 1;
      if (entry.owed === 0) continue;
      if (entry.rule.kind === "latency") {
        decision.latencyMs += entry.rule.ms ?? 0;
      } else if (!decision.kind) {
        decision.kind = entry.rule.kind;
        if (entry.rule.takeEffect) decision.takeEffect = true;
      } else {
        continue;
      }
      entry.owed -= 1;
      entry.injected += 1;
    }
    return decision;
  }
}

function matches(entry: FaultEntry, service: string, operation: string): boolean {
  const { rule } = entry;
  if (rule.count !== undefined && entry.injected >= rule.count) return false;
  if (rule.service !== undefined && rule.service !== service) return false;
  if (rule.operation === undefined) return true;
  return typeof rule.operation === "string" ? rule.operation === operation : rule.operation.test(operation);
}

/** Pending latency timers, so close() can release them instead of waiting them out. */
class Delays {
  private pending = new Set<() => void>();
  private closed = false;

  /** Resolves true after `ms`, or false at once if the server is closing. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(true), ms);
      const finish = (completed: boolean) => {
        clearTimeout(timer);
        this.pending.delete(cancel);
        resolve(completed);
      };
      const cancel = () => finish(false);
      this.pending.add(cancel);
    });
  }

  /**
   * A decision's latency, then its drop: false when the connection was
   * destroyed instead of answered (dropped, or the server closing meanwhile).
   */
  async pass(
    decision: { latencyMs: number; kind?: string },
    call: RecordedCall,
    req: IncomingMessage,
  ): Promise<boolean> {
    const closing = decision.latencyMs > 0 && !(await this.wait(decision.latencyMs));
    if (!closing && decision.kind !== "drop") return true;
    call.outcome = "dropped";
    req.socket.destroy();
    return false;
  }

  cancelAll(): void {
    this.closed = true;
    for (const cancel of [...this.pending]) cancel();
  }
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The SDK keeps connections alive; destroy them or `server.close` would wait on them. */
function closeServer(server: Server, sockets: Set<Socket>, delays: Delays): Promise<void> {
  delays.cancelAll();
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy();
  });
}
