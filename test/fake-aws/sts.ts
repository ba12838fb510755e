// AWS STS, as far as --assume-role needs it: AssumeRole in the query protocol
// (a form body `Action=AssumeRole&RoleArn=...`, answers in XML), and the
// sessions it hands out. Every fake service asks this one whether a request's
// session token has expired (the core answers ExpiredTokenException, 400, in
// the service's own framing), so a test can let a session run out mid-wait
// and see what a real account does. Tokens it never issued are accepted: the
// fake does not authenticate, it only keeps time.

import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { AwsFault, type Clock } from "./types.js";

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds on the fake's clock. */
  expiresAt: number;
}

export interface StsService {
  readonly signingName: "sts";
  readonly targetPrefix: "AWSSecurityTokenServiceV20110615";
  /** Roles AssumeRole may give (by ARN); any other is AccessDenied, as a trust policy would refuse it. */
  allowAssume(roleArn: string): void;
  /**
   * How long each session lasts, in seconds, whatever DurationSeconds asks
   * (default: as asked, 3600 when not). A test shortens it so the SDK's
   * renewal window (5 minutes before expiry) comes within seconds.
   */
  setSessionSeconds(seconds: number | undefined): void;
  /** A session as the AWS chain would hold one (Jenkins' withAWS): for letting it expire mid-wait. */
  issueSession(durationSeconds: number): SessionCredentials;
  /** Sessions handed out by AssumeRole, oldest first. */
  readonly assumed: ReadonlyArray<SessionCredentials & { roleArn: string; roleSessionName: string }>;
  /** Whether the request carries a session token this STS issued that has expired. */
  isExpired(headers: IncomingHttpHeaders): boolean;
  /** One query-protocol request: the HTTP status and XML body to answer. */
  handleQuery(body: string, headers: IncomingHttpHeaders): { status: number; body: string };
}

export function createStsService(options: { accountId: string; clock: Clock }): StsService {
  return new FakeSts(options.accountId, options.clock);
}

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** Role chaining (a role assumed with a role's session) is capped at one hour. */
const CHAINED_MAX_SECONDS = 3600;

class FakeSts implements StsService {
  readonly signingName = "sts" as const;
  readonly targetPrefix = "AWSSecurityTokenServiceV20110615" as const;
  readonly assumed: Array<SessionCredentials & { roleArn: string; roleSessionName: string }> = [];
  private readonly allowed = new Set<string>();
  private readonly sessions = new Map<string, SessionCredentials>();
  private sessionSeconds: number | undefined;

  constructor(
    private readonly accountId: string,
    private readonly clock: Clock,
  ) {}

  allowAssume(roleArn: string): void {
    this.allowed.add(roleArn);
  }

  setSessionSeconds(seconds: number | undefined): void {
    this.sessionSeconds = seconds;
  }

  issueSession(durationSeconds: number): SessionCredentials {
    const session: SessionCredentials = {
      accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(96).toString("base64")}`,
      // STS states Expiration to the second; the session ends when it says.
      expiresAt: Math.floor((this.clock.now() + durationSeconds * 1000) / 1000) * 1000,
    };
    this.sessions.set(session.sessionToken, session);
    return session;
  }

  isExpired(headers: IncomingHttpHeaders): boolean {
    const token = headers["x-amz-security-token"];
    const session = typeof token === "string" ? this.sessions.get(token) : undefined;
    return session !== undefined && session.expiresAt <= this.clock.now();
  }

  handleQuery(body: string, headers: IncomingHttpHeaders): { status: number; body: string } {
    const params = new URLSearchParams(body);
    try {
      const action = params.get("Action");
      if (action !== "AssumeRole") {
        throw new AwsFault(
          "InvalidAction",
          `Could not find operation ${action ?? ""} for version 2011-06-15`,
        );
      }
      return { status: 200, body: this.assumeRole(params, headers) };
    } catch (error: unknown) {
      const fault = error instanceof AwsFault ? error : new AwsFault("InternalFailure", String(error), 500);
      return { status: fault.status, body: errorXml(fault) };
    }
  }

  private assumeRole(params: URLSearchParams, headers: IncomingHttpHeaders): string {
    const roleArn = params.get("RoleArn");
    const sessionName = params.get("RoleSessionName");
    if (!roleArn || roleArn.length < 20) {
      throw validation(
        `Value '${roleArn ?? "null"}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
      );
    }
    if (!sessionName || !SESSION_NAME.test(sessionName)) {
      throw validation(
        `Value '${sessionName ?? "null"}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    const asked = params.get("DurationSeconds");
    const duration = asked === null ? 3600 : Number(asked);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw validation(
        `Value '${asked}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
      );
    }
    const token = headers["x-amz-security-token"];
    const chained = typeof token === "string" && this.sessions.has(token);
    if (chained && duration > CHAINED_MAX_SECONDS) {
      throw validation(
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      );
    }
    const match = ROLE_ARN.exec(roleArn);
    if (!match || !this.allowed.has(roleArn)) {
      throw new AwsFault(
        "AccessDenied",
        `User: arn:aws:sts::${this.accountId}:assumed-role/jenkins/agent is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    }
    const session = this.issueSession(this.sessionSeconds ?? duration);
    this.assumed.push({ ...session, roleArn, roleSessionName: sessionName });
    const roleName = match[2] as string;
    const roleId = `AROA${randomBytes(8).toString("hex").toUpperCase()}`;
    return [
      `<AssumeRoleResponse xmlns="${NS}">`,
      "<AssumeRoleResult>",
      "<AssumedRoleUser>",
      `<AssumedRoleId>${roleId}:${xml(sessionName)}</AssumedRoleId>`,
      `<Arn>arn:aws:sts::${match[1]}:assumed-role/${xml(roleName)}/${xml(sessionName)}</Arn>`,
      "</AssumedRoleUser>",
      "<Credentials>",
      `<AccessKeyId>${session.accessKeyId}</AccessKeyId>`,
      `<SecretAccessKey>${xml(session.secretAccessKey)}</SecretAccessKey>`,
      `<SessionToken>${xml(session.sessionToken)}</SessionToken>`,
      `<Expiration>${new Date(session.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z")}</Expiration>`,
      "</Credentials>",
      "</AssumeRoleResult>",
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`,
      "</AssumeRoleResponse>",
    ].join("");
  }
}

function validation(message: string): AwsFault {
  return new AwsFault("ValidationError", message, 400);
}

/** A query-protocol error, as STS (and IAM, SNS) frame one. */
export function errorXml(fault: AwsFault): string {
  const type = fault.status >= 500 ? "Receiver" : "Sender";
  return `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${xml(fault.code)}</Code><Message>${xml(fault.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
