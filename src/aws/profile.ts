import { join } from "node:path";
import { getHomeDir, loadSharedConfigFiles } from "@smithy/core/config";
import { EnvironmentError } from "../errors.js";

/**
 * A profile that was asked for (--profile, AWS_PROFILE) must exist in the
 * shared config or credentials file. The SDK's chain skips a missing one and
 * ends in "Could not load credentials from any providers", which named
 * neither the profile nor the files; this says both, before any call.
 */
export async function assertProfileExists(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const profile = flag ?? env.AWS_PROFILE;
  if (profile === undefined || profile === "") return;
  const configFile = env.AWS_CONFIG_FILE || join(getHomeDir(), ".aws", "config");
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(getHomeDir(), ".aws", "credentials");
  const files = await loadSharedConfigFiles({ filepath: credentialsFile, configFilepath: configFile });
  if (profile in files.configFile || profile in files.credentialsFile) return;
  const from = flag !== undefined ? "--profile" : "AWS_PROFILE";
  throw new EnvironmentError(
    `AWS profile '${profile}' (${from}) is not in ${configFile} or ${credentialsFile}; add it there, or name a profile that exists.`,
  );
}
