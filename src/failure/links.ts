import { consoleDomain } from "../aws/arn.js";

/**
 * Console links for a failed task. Each returns undefined where the partition
 * has no console (the isolated ones), so no link is better than a wrong one.
 */

export function glueRunLink(region: string, jobName: string, runId: string): string | undefined {
  const base = consoleBase(region);
  return base && `${base}/gluestudio/home?region=${region}#/job/${encodeURIComponent(jobName)}/run/${runId}`;
}

export function batchJobLink(region: string, jobId: string): string | undefined {
  const base = consoleBase(region);
  return base && `${base}/batch/home?region=${region}#jobs/detail/${jobId}`;
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
function consoleEncode(text: string): string {
  return encodeURIComponent(encodeURIComponent(text)).replace(/%/g, "$");
}

function consoleBase(region: string): string | undefined {
  const domain = consoleDomain(region);
  return domain && `https://${region}.${domain}`;
}
