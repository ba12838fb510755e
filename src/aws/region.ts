import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from "@smithy/core/config";
import { EnvironmentError, InputError } from "../errors.js";
import { isRegionName } from "./arn.js";

export interface ResolvedRegion {
  region: string;
  /** Said in the log: which source won and why. */
  why: string;
  /** A source that was given and not used, said as a warning (--region beside an execution ARN). */
  ignored?: string;
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
  /**
   * A region the command's resource fixes (`wait ARN`, `stop ARN`: the
   * execution lives there, and every call about it goes there). It beats
   * --region, which then only earns a warning when it differs: the log names
   * one region, the one the calls use.
   */
  fixed?: { region: string; why: string };
}): Promise<ResolvedRegion> {
  if (options.fixed) {
    const { region, why } = options.fixed;
    if (options.flag === undefined || options.flag === region) return { region, why };
    return {
      region,
      why,
      ignored: `--region ${options.flag} is not used: the execution is in ${region} (${why}), and calls about it go there.`,
    };
  }
  // --region was checked where options are parsed; the other sources are checked here, each named.
  if (options.flag) return { region: options.flag, why: "--region" };
  const fromChain = await regionFromChain(options.profile);
  if (fromChain) {
    if (!isRegionName(fromChain)) {
      throw new EnvironmentError(
        `The AWS configuration's region '${fromChain}' (AWS_REGION or the profile's region) is not an AWS Region code; set one such as ap-south-1, or pass --region.`,
      );
    }
    return { region: fromChain, why: "the AWS configuration (AWS_REGION or the profile's region)" };
  }
  if (options.tfvarsRegion) {
    if (!isRegionName(options.tfvarsRegion)) {
      throw new InputError(
        `tfvars.json's region '${options.tfvarsRegion}' is not an AWS Region code; fix it (e.g. ap-south-1) or pass --region.`,
      );
    }
    return { region: options.tfvarsRegion, why: "tfvars.json (no --region, AWS_REGION or profile region)" };
  }
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
