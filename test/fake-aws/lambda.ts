// AWS Lambda, as far as preflight asks it: GetFunction
// (`GET /2015-03-31/functions/NAME`, restJson1). The function is named by
// name, ARN or partial ARN, with an optional `:qualifier` or `?Qualifier=`;
// a missing one is ResourceNotFoundException (404) with Lambda's
// `{Type, Message}` body.

import type { HttpAnswer, HttpRequest, HttpService, InjectedKind } from "./http-service.js";
import { restJsonError } from "./http-service.js";
import { AwsFault } from "./types.js";

export interface LambdaService extends HttpService {
  createFunction(name: string): void;
  deleteFunction(name: string): void;
}

export function createLambdaService(options: { accountId?: string; region?: string } = {}): LambdaService {
  return new FakeLambda(options.accountId ?? "123456789012", options.region ?? "ap-south-1");
}

const ROUTE = /^\/2015-03-31\/functions\/([^/]+)$/;

class FakeLambda implements LambdaService {
  readonly protocol = "http" as const;
  readonly targetPrefix = "Lambda";
  readonly signingName = "lambda";
  private readonly functions = new Set<string>();

  constructor(
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  createFunction(name: string): void {
    this.functions.add(name);
  }

  deleteFunction(name: string): void {
    this.functions.delete(name);
  }

  operationOf(req: HttpRequest): string | undefined {
    return req.method === "GET" && ROUTE.test(req.path) ? "GetFunction" : undefined;
  }

  inputOf(req: HttpRequest): Record<string, unknown> {
    const qualifier = req.query.get("Qualifier");
    return { FunctionName: ROUTE.exec(req.path)?.[1] ?? "", ...(qualifier ? { Qualifier: qualifier } : {}) };
  }

  handle(_operation: string, req: HttpRequest): HttpAnswer {
    const given = ROUTE.exec(req.path)?.[1] ?? "";
    // NAME, NAME:QUALIFIER, ACCOUNT:function:NAME, or the full ARN (with or without a qualifier).
    const name = given
      .replace(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:/, "")
      .replace(/^\d{12}:function:/, "");
    const base = name.split(":")[0] ?? "";
    const arn = `arn:aws:lambda:${this.region}:${this.accountId}:function:${base}`;
    if (!this.functions.has(base)) {
      throw new AwsFault("ResourceNotFoundException", `Function not found: ${arn}`, 404);
    }
    return {
      status: 200,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        Configuration: {
          FunctionName: base,
          FunctionArn: arn,
          Runtime: "python3.12",
          Handler: "index.handler",
          State: "Active",
          LastUpdateStatus: "Successful",
        },
        Code: { RepositoryType: "S3" },
      }),
    };
  }

  errorAnswer(fault: AwsFault): HttpAnswer {
    return restJsonError(fault, { Type: fault.status >= 500 ? "Service" : "User", Message: fault.message });
  }

  injected(kind: InjectedKind, operation: string): AwsFault | undefined {
    if (kind === "throttle") return new AwsFault("TooManyRequestsException", "Rate exceeded", 429);
    if (kind === "accessDenied") {
      return new AwsFault(
        "AccessDeniedException",
        `User: arn:aws:sts::123456789012:assumed-role/jenkins/batchinf is not authorized to perform: lambda:${operation}`,
        403,
      );
    }
    return undefined;
  }
}
