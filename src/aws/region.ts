import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from "@smithy/core/config";
import { EnvironmentError } from "../errors.js";

export interface ResolvedRegion {
  region: string;
  /** Said in the log: which source won and why. */
  why: string;
}

/**
 * The region for API calls: `--region`, else the AWS chain (AWS_REGION, the
 * profile's `region`), else tfvars.json's `region`. The input's own region is
 * the last resort because a pipeline may deliberately call from elsewhere.
 */
export async function resolveRegion(options: {
  flag?: string;
  profile?: string;
  tfvarsRegion?: string;
}): Promise<ResolvedRegion> {
  if (options.flag) return { region: options.flag, why: "--region" };
  const fromChain = await regionFromChain(options.profile);
  if (fromChain)
    return { region: fromChain, why: "the AWS configuration (AWS_REGION or the profile's region)" };
  if (options.tfvarsRegion)
    return { region: options.tfvarsRegion, why: "tfvars.json (no --region, AWS_REGION or profile region)" };
  throw new EnvironmentError(
    "No AWS Region: pass --region, set AWS_REGION, give the profile a region, or put region in tfvars.json.",
  );
}

async function regionFromChain(profile?: string): Promise<string | undefined> {
  try {
    const region = await loadConfig(NODE_REGION_CONFIG_OPTIONS, {
      ...NODE_REGION_CONFIG_FILE_OPTIONS,
      ...(profile ? { profile } : {}),
    })();
    return typeof region === "string" && region !== "" ? region : undefined;
  } catch {
    // The chain's "Region is missing" is the normal case on a laptop; fall through.
    return undefined;
  }
}
