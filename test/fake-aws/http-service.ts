// Services that are neither awsJson nor restJson1 with a fixed path: S3
// (REST-XML, the bucket and key in the path), IAM and SNS (the query
// protocol: a form body with `Action=`, answers in XML) and Lambda (restJson1
// with the function name in the path). Every request to one endpoint
// (AWS_ENDPOINT_URL) looks alike at the HTTP level, so the core tells these
// services apart by the service name in the SigV4 credential scope
// (`Credential=AKID/20231014/ap-south-1/s3/aws4_request`), as LocalStack does.
// The core still records, fault-injects and delays their calls; each service
// says how an error looks in its own framing.

import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { AwsFault, type ServiceContext } from "./types.js";

export interface HttpRequest {
  method: string;
  /** Decoded path, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Omitted for HEAD, and for errors of HEAD (S3 sends no body there). */
  body?: string;
}

/** The kinds of injected fault a service may phrase in its own words. */
export type InjectedKind = "throttle" | "http500" | "http503" | "accessDenied";

export interface HttpService {
  readonly protocol: "http";
  /** The service's name in call records and fault rules, e.g. `S3`, `IAM`. */
  readonly targetPrefix: string;
  /** The SigV4 service name clients sign with: `s3`, `iam`, `sns`, `lambda`. */
  readonly signingName: string;
  /** The operation a request is (e.g. `HeadBucket`), or undefined when the service has no such route. */
  operationOf(req: HttpRequest): string | undefined;
  /** The request's parameters, for the call record. */
  inputOf(req: HttpRequest): Record<string, unknown>;
  handle(operation: string, req: HttpRequest, ctx: ServiceContext): HttpAnswer | Promise<HttpAnswer>;
  /** An error as this service sends it (XML for S3, IAM and SNS; JSON for Lambda). */
  errorAnswer(fault: AwsFault, req: HttpRequest): HttpAnswer;
  /** This service's own code for an injected fault (S3 throttles with `SlowDown`); default the core's. */
  injected?(kind: InjectedKind, operation: string): AwsFault | undefined;
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) =>
    c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : c === '"' ? "&quot;" : "&apos;",
  );
}

/** `<Name>text</Name>` with the text escaped; nothing for undefined. */
export function xmlElement(name: string, text: string | number | boolean | undefined): string {
  return text === undefined ? "" : `<${name}>${xmlEscape(String(text))}</${name}>`;
}

// ---------------------------------------------------------------------------
// The query protocol (IAM, SNS): POST / with `Action=X&Version=...&Param.member.1=...`.

/** The form body as a flat map; `Param.member.N` lists are read with queryList. */
export function queryParams(req: HttpRequest): URLSearchParams {
  const params = new URLSearchParams(req.body);
  for (const [key, value] of req.query) if (!params.has(key)) params.set(key, value);
  return params;
}

/** `Name.member.1`, `Name.member.2`, ... in order. */
export function queryList(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++)
    values.push(params.get(`${name}.member.${i}`) ?? "");
  return values;
}

/** A query-protocol request's operation: its `Action`. */
export function queryOperation(req: HttpRequest): string | undefined {
  return req.method === "POST" ? (queryParams(req).get("Action") ?? undefined) : undefined;
}

/** A query-protocol request's parameters, for the call record. */
export function queryInput(req: HttpRequest): Record<string, unknown> {
  return Object.fromEntries(queryParams(req));
}

/** `<XResponse xmlns=...><XResult>...</XResult><ResponseMetadata>...</ResponseMetadata></XResponse>` */
export function queryAnswer(action: string, namespace: string, resultXml: string): HttpAnswer {
  return {
    status: 200,
    headers: { "Content-Type": "text/xml" },
    body: `<${action}Response xmlns="${namespace}"><${action}Result>${resultXml}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/** The query protocol's error document: Type Sender (4xx) or Receiver (5xx), Code, Message. */
export function queryError(fault: AwsFault, namespace: string): HttpAnswer {
  const type = fault.status >= 500 ? "Receiver" : "Sender";
  return {
    status: fault.status,
    headers: { "Content-Type": "text/xml" },
    body: `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type>${xmlElement("Code", fault.code)}${xmlElement("Message", fault.message)}</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

/** How a query service (IAM, SNS) throttles, and denies with its own code. */
export function queryInjected(kind: InjectedKind, denied: AwsFault): AwsFault | undefined {
  if (kind === "throttle") return new AwsFault("Throttling", "Rate exceeded", 400);
  return kind === "accessDenied" ? denied : undefined;
}

/** A query-protocol action the service does not model: what AWS answers for an unknown Action. */
export function invalidAction(action: string): AwsFault {
  return new AwsFault("InvalidAction", `Could not find operation ${action} for version`, 400);
}

/** A required query parameter, as the query services validate it. */
export function requiredParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === "") {
    throw new AwsFault(
      "ValidationError",
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** restJson1 errors: `x-amzn-ErrorType` and a JSON body (Lambda sends `Type` and `Message`). */
export function restJsonError(fault: AwsFault, body: Record<string, unknown>): HttpAnswer {
  return {
    status: fault.status,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": fault.code },
    body: JSON.stringify(body),
  };
}
