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
