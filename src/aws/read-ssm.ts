import type { Logger } from "../io/log.js";
import { type SsmSnapshot, snapshotFromParameters } from "../sources/ssm-values.js";
import type { AwsClients } from "./clients.js";
import {
  assertParameterName,
  assertParameterPath,
  readParametersByName,
  readParametersByPath,
} from "./ssm.js";

/**
 * Terraform's outputs from Parameter Store: everything under `path` plus the
 * named parameters, read concurrently, interpreted as a snapshot file is.
 */
export async function readSsmSnapshot(
  clients: AwsClients,
  request: { path?: string; names: readonly string[] },
  log: Logger,
  signal: AbortSignal,
): Promise<SsmSnapshot> {
  if (request.path !== undefined) assertParameterPath(request.path);
  for (const name of request.names) assertParameterName(name, "--ssm-param");
  const client = clients.ssm();
  const started = Date.now();
  const [byPath, byName] = await Promise.all([
    request.path === undefined ? [] : readParametersByPath(client, request.path, clients.region, signal),
    request.names.length === 0 ? [] : readParametersByName(client, request.names, clients.region, signal),
  ]);
  const parameters = [...byPath, ...byName];
  for (const parameter of parameters) {
    if (parameter.type === "SecureString" && typeof parameter.value === "string")
      log.addSecret(parameter.value);
  }
  log.info(
    `SSM: ${parameters.length} parameters from ${[request.path, request.names.length > 0 ? `${request.names.length} named` : undefined].filter(Boolean).join(" and ")} in ${Date.now() - started} ms`,
  );
  return snapshotFromParameters(parameters, (name) => name);
}
