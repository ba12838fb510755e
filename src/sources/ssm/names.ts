import { InputError } from "../../errors.js";

// Parameter Store's naming rules: letters, digits, _ . - and /; 1011 characters; 15 levels.
// Checked before any call (and before the SDK loads): AWS would only say ValidationException.
const NAME = /^\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.+$/;

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
