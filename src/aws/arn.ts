/** The parts of an ARN that batchinf reasons about. */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(text: string): Arn | undefined {
  const match = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(text);
  if (!match) return undefined;
  const [, partition = "", service = "", region = "", account = "", resource = ""] = match;
  return { partition, service, region, account, resource };
}

/**
 * The shape of an AWS Region code (ap-south-1, us-gov-west-1, cn-north-1,
 * eusc-de-east-1): the input schema's `region` rule, which a test keeps equal.
 * Anything else is refused where it is read, before the SDK turns it into a
 * host name (`--region https://x/` was "Invalid region in client config", exit 3).
 */
export const REGION_PATTERN = /^(?:[a-z]{2}|eusc)(?:-(?:gov|iso|isob|isoe|isof))?-[a-z]+-[0-9]{1,2}$/;

export function isRegionName(text: string): boolean {
  return REGION_PATTERN.test(text);
}

/** The partition a region lives in: ARNs in cn-north-1 say aws-cn, not aws. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eusc-")) return "aws-eusc";
  return "aws";
}

/** The console's domain differs by partition; there is none for the isolated ones. */
export function consoleDomain(region: string): string | undefined {
  switch (partitionOf(region)) {
    case "aws":
      return "console.aws.amazon.com";
    case "aws-cn":
      return "console.amazonaws.cn";
    case "aws-us-gov":
      return "console.amazonaws-us-gov.com";
    default:
      return undefined;
  }
}
