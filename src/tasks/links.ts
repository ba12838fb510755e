import { consoleDomain } from "../aws/arn.js";

/**
 * Console addresses. Each returns undefined where the partition has no
 * console (the isolated ones), so no link is better than a wrong one.
 */

/** `https://<region>.console.aws.amazon.com` and the like. */
export function consoleBase(region: string): string | undefined {
  const domain = consoleDomain(region);
  return domain && `https://${region}.${domain}`;
}

/** The CloudWatch console's logsV2 address of one stream. */
export function logStreamLink(region: string, group: string, stream: string): string | undefined {
  const base = consoleBase(region);
  return (
    base &&
    `${base}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleEncode(group)}/log-events/${consoleEncode(stream)}`
  );
}

/** The logsV2 fragment escapes twice and writes `%` as `$`: `/aws/batch/job` is `$252Faws$252Fbatch$252Fjob`. */
export function consoleEncode(text: string): string {
  return encodeURIComponent(encodeURIComponent(text)).replace(/%/g, "$");
}

export function addLink(
  failure: { links: Array<{ label: string; url: string }> },
  label: string,
  url: string | undefined,
): void {
  if (url) failure.links.push({ label, url });
}
