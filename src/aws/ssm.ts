import {
  GetParametersByPathCommand,
  GetParametersCommand,
  type Parameter,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { EnvironmentError, InputError } from "../errors.js";
import type { RawParameter } from "../sources/ssm-values.js";
import { parseArn } from "./arn.js";
import { awsFailure } from "./errors.js";
import { send } from "./send.js";

/** GetParameters takes at most 10 names; GetParametersByPath pages at most 10. */
const SSM_BATCH = 10;

// Parameter Store's naming rules: letters, digits, _ . - and /; 1011 characters; 15 levels.
const NAME = /^\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.+$/;

/** Refuse a malformed name or path before any call: AWS would only say ValidationException. */
export function assertParameterName(name: string, flag: string): void {
  if (ARN.test(name)) return;
  const levels = name.split("/").filter(Boolean).length;
  if (!NAME.test(name) || name.length > 1011 || levels > 15) {
    throw new InputError(
      `${flag} '${name}' is not a valid SSM parameter name; use letters, digits, '_', '.', '-' and '/' (at most 15 levels, 1011 characters), e.g. /mlops/dcp/athenadb_name.`,
    );
  }
}

export function assertParameterPath(path: string): void {
  if (!path.startsWith("/") || (path !== "/" && !NAME.test(path.replace(/\/$/, "")))) {
    throw new InputError(
      `--ssm-path '${path}' is not a valid SSM path; it starts with '/' and uses letters, digits, '_', '.', '-' and '/', e.g. /mlops/dcp/.`,
    );
  }
}

/**
 * Every parameter under a path, recursively and decrypted, to the last page.
 * Parameter Store may answer a page with no parameters but a NextToken: keep
 * following the token until there is none. (Not the SDK's paginator: it sends
 * without an abort signal.)
 */
export async function readParametersByPath(
  client: SSMClient,
  path: string,
  region: string,
  signal: AbortSignal,
): Promise<RawParameter[]> {
  const parameters: RawParameter[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await send(
        client,
        new GetParametersByPathCommand({
          Path: path,
          Recursive: true,
          WithDecryption: true,
          MaxResults: SSM_BATCH,
          ...(token ? { NextToken: token } : {}),
        }),
        signal,
      );
      for (const parameter of page.Parameters ?? []) parameters.push(toRaw(parameter));
      token = page.NextToken;
    } while (token);
  } catch (error: unknown) {
    throw awsFailure(error, { operation: "ssm:GetParametersByPath", region, resource: path });
  }
  if (parameters.length === 0) {
    throw new EnvironmentError(
      `No SSM parameters under ${path} in ${region}; check --ssm-path and the region (did Terraform apply in another region or account?).`,
    );
  }
  return parameters;
}

/** Named parameters, 10 names a call; every missing name is listed at once. */
export async function readParametersByName(
  client: SSMClient,
  names: readonly string[],
  region: string,
  signal: AbortSignal,
): Promise<RawParameter[]> {
  const unique = [...new Set(names)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += SSM_BATCH) chunks.push(unique.slice(i, i + SSM_BATCH));
  const responses = await Promise.all(
    chunks.map(async (Names) => {
      try {
        return await send(client, new GetParametersCommand({ Names, WithDecryption: true }), signal);
      } catch (error: unknown) {
        throw awsFailure(error, { operation: "ssm:GetParameters", region, resource: Names.join(", ") });
      }
    }),
  );
  const found = responses.flatMap((response) => response.Parameters ?? []);
  const missing = responses.flatMap((response) => response.InvalidParameters ?? []);
  if (missing.length > 0) {
    const account = found.map((parameter) => parseArn(parameter.ARN ?? "")?.account).find(Boolean);
    throw new EnvironmentError(
      `${missing.length === 1 ? "SSM parameter" : `${missing.length} SSM parameters`} not found in ${region}${account ? ` (account ${account})` : ""}: ${missing.join(", ")}; check the names, the region and that Terraform has applied.`,
    );
  }
  return found.map(toRaw);
}

function toRaw(parameter: Parameter): RawParameter {
  const type = parameter.Type;
  // A StringList stays the comma-separated string Parameter Store returns:
  // every input key is a string, and the pipeline splits lists itself.
  return {
    name: parameter.Name ?? "",
    value: parameter.Value ?? "",
    ...(type === "String" || type === "StringList" || type === "SecureString" ? { type } : {}),
  };
}
