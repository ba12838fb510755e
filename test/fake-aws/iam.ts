// AWS IAM, as far as preflight asks it: SimulatePrincipalPolicy for a role,
// in the query protocol (a form body, XML answers). A role holds statements
// (Allow or Deny, action and resource patterns with `*` and `?`); the
// simulation gives each action on each resource `allowed`, `explicitDeny`
// (a Deny matched, whatever else did) or `implicitDeny` (nothing allowed
// it), one EvaluationResult per pair, paged by MaxItems with IsTruncated and
// Marker as the API reference describes.

import {
  type HttpAnswer,
  type HttpRequest,
  type HttpService,
  type InjectedKind,
  invalidAction,
  queryAnswer,
  queryError,
  queryInjected,
  queryInput,
  queryList,
  queryOperation,
  queryParams,
  requiredParam,
  xmlElement,
} from "./http-service.js";
import { AwsFault } from "./types.js";

export interface IamStatement {
  effect: "Allow" | "Deny";
  actions: string[];
  resources: string[];
}

export interface IamService extends HttpService {
  /**
   * A role with these statements (replacing any it had). `roleArn` may hold
   * `*`: every role it matches exists with these statements (the roles of
   * every state machine a test adds).
   */
  putRole(roleArn: string, statements: IamStatement[]): void;
  deleteRole(roleArn: string): void;
  /** Most results one page holds, whatever MaxItems asks (to make paging happen). */
  setPageSize(size: number): void;
}

export function createIamService(): IamService {
  return new FakeIam();
}

const NS = "https://iam.amazonaws.com/doc/2010-05-08/";
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

class FakeIam implements IamService {
  readonly protocol = "http" as const;
  readonly targetPrefix = "IAM";
  readonly signingName = "iam";
  private readonly roles = new Map<string, IamStatement[]>();
  private pageSize = 1000;

  putRole(roleArn: string, statements: IamStatement[]): void {
    this.roles.set(roleArn, statements);
  }

  deleteRole(roleArn: string): void {
    this.roles.delete(roleArn);
  }

  setPageSize(size: number): void {
    this.pageSize = size;
  }

  readonly operationOf = queryOperation;
  readonly inputOf = queryInput;

  handle(operation: string, req: HttpRequest): HttpAnswer {
    if (operation !== "SimulatePrincipalPolicy") throw invalidAction(operation);
    const params = queryParams(req);
    const source = requiredParam(params, "PolicySourceArn");
    const actions = queryList(params, "ActionNames");
    if (actions.length === 0) {
      throw new AwsFault(
        "ValidationError",
        "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null",
      );
    }
    const resources = queryList(params, "ResourceArns");
    const role = ROLE_ARN.exec(source);
    if (!role) throw new AwsFault("InvalidInput", `ARN ${source} is not valid.`);
    const statements =
      this.roles.get(source) ??
      [...this.roles].find(([pattern]) => pattern.includes("*") && glob(pattern, source, ""))?.[1];
    if (!statements)
      throw new AwsFault("NoSuchEntity", `The role with name ${role[2]} cannot be found.`, 404);
    const pairs = actions.flatMap((action) =>
      (resources.length > 0 ? resources : ["*"]).map((resource) => ({ action, resource })),
    );
    const maxItems = Number(params.get("MaxItems") ?? "100");
    const start = Number(params.get("Marker") ?? "0");
    const end = Math.min(pairs.length, start + Math.min(maxItems, this.pageSize));
    const members = pairs
      .slice(start, end)
      .map(({ action, resource }) => {
        const decision = decide(statements, action, resource);
        return `<member>${xmlElement("EvalActionName", action)}${xmlElement("EvalResourceName", resource)}${xmlElement("EvalDecision", decision)}<MatchedStatements/><MissingContextValues/></member>`;
      })
      .join("");
    const truncated = end < pairs.length;
    return queryAnswer(
      "SimulatePrincipalPolicy",
      NS,
      `<IsTruncated>${truncated}</IsTruncated>${truncated ? xmlElement("Marker", String(end)) : ""}<EvaluationResults>${members}</EvaluationResults>`,
    );
  }

  errorAnswer(fault: AwsFault): HttpAnswer {
    return queryError(fault, NS);
  }

  injected(kind: InjectedKind, operation: string): AwsFault | undefined {
    return queryInjected(
      kind,
      new AwsFault(
        "AccessDenied",
        `User: arn:aws:sts::123456789012:assumed-role/jenkins/batchinf is not authorized to perform: iam:${operation} on resource: role because no identity-based policy allows the iam:${operation} action`,
        403,
      ),
    );
  }
}

function decide(statements: IamStatement[], action: string, resource: string): string {
  const matching = statements.filter(
    (s) => s.actions.some((a) => glob(a, action, "i")) && s.resources.some((r) => glob(r, resource, "")),
  );
  if (matching.some((s) => s.effect === "Deny")) return "explicitDeny";
  return matching.some((s) => s.effect === "Allow") ? "allowed" : "implicitDeny";
}

/** IAM's wildcards: `*` any run, `?` one character; actions compare without case, ARNs with it. */
function glob(pattern: string, value: string, flags: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, flags).test(value);
}
