import {
  GetParametersByPathCommand,
  GetParametersCommand,
  type Parameter,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { EnvironmentError } from "../errors.js";
import type { RawParameter } from "../sources/ssm/parameters.js";
import { parseArn } from "./arn.js";
import { awsFailure } from "./errors.js";
import { send } from "./send.js";

/** GetParameters takes at most 10 names; GetParametersByPath pages at most 10. */
const SSM_BATCH = 10;

/**
 * Terraform's outputs from Parameter Store, as read: everything under `path`
 * plus the named parameters, concurrently. The SSM source (src/sources/ssm/)
 * checks the names first and interprets what comes back.
 */
export async function readParameters(
  client: SSMClient,
  request: { path?: string; names: readonly string[] },
  region: string,
  signal: AbortSignal,
): Promise<RawParameter[]> {
  const [byPath, byName] = await Promise.all([
    request.path === undefined ? [] : readParametersByPath(client, request.path, region, signal),
    request.names.length === 0 ? [] : readParametersByName(client, request.names, region, signal),
  ]);
  return [...byPath, ...byName];
}

/**
 * Every parameter under a path, recursively and decrypted, to the last page.
 * Parameter Store may answer a page with no parameters but a NextToken: keep
 * following the token until there is none. (Not the SDK's paginator: it sends
 * without an abort signal.)
 */
async function readParametersByPath(
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
async function readParametersByName(
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
