import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { memoizeIdentityProvider } from "@smithy/core";
import type { AwsCredentialIdentityProvider, Identity } from "@smithy/types";

/** Renew this long before a session expires: the SDK's own window for refreshable credentials. */
export const RENEW_BEFORE_MS = 5 * 60_000;

/** A failure to assume --assume-role: its own error, so it is not taken for the call that needed it. */
export class AssumeRoleFailure extends Error {
  override readonly name = "AssumeRoleFailure";
  constructor(
    readonly roleArn: string,
    cause: unknown,
  ) {
    super(`AssumeRole ${roleArn} failed`, { cause });
  }
}

export interface AssumeRoleOptions {
  roleArn: string;
  /** Shown in CloudTrail as who assumed it: Jenkins' BUILD_TAG when there is one. */
  sessionName: string;
  region: string;
  profile?: string;
  /** The clock the renewal follows (the command's: injected in tests). */
  now: () => number;
  /** Settings the STS client shares with every other client (request handler, retry strategy). */
  clientConfig?: Record<string, unknown>;
  /** Sees the STS client (to count its calls as the others are). */
  onStsClient?: (stack: { middlewareStack: unknown }) => void;
}

/**
 * --assume-role: one provider shared by every client of the command. The
 * chain's credentials (env, profile, web identity, instance role) are the
 * master; STS AssumeRole gives a session, and a new one is fetched once the
 * current one is within RENEW_BEFORE_MS of its Expiration, so a wait of many
 * hours outlives role chaining's one-hour cap. Shared and memoized here, on
 * the command's clock: one AssumeRole per renewal, however many clients.
 */
export function assumeRoleCredentials(options: AssumeRoleOptions): AwsCredentialIdentityProvider {
  // The SDK applies clientPlugins to its STS client on every AssumeRole: see each stack once.
  const seen = new WeakSet<object>();
  const assume = fromTemporaryCredentials({
    params: { RoleArn: options.roleArn, RoleSessionName: options.sessionName },
    masterCredentials: fromNodeProviderChain(options.profile ? { profile: options.profile } : {}),
    clientConfig: { ...options.clientConfig, region: options.region },
    ...(options.onStsClient
      ? {
          clientPlugins: [
            {
              applyToStack: (stack: object) => {
                if (seen.has(stack)) return;
                seen.add(stack);
                options.onStsClient?.({ middlewareStack: stack });
              },
            },
          ],
        }
      : {}),
  });
  const provider: AwsCredentialIdentityProvider = async (properties) => {
    try {
      return await assume(properties);
    } catch (error: unknown) {
      throw new AssumeRoleFailure(options.roleArn, error);
    }
  };
  const memoized = memoizeIdentityProvider(
    provider,
    (identity: Identity) =>
      identity.expiration !== undefined && identity.expiration.getTime() - options.now() < RENEW_BEFORE_MS,
    (identity: Identity) => identity.expiration !== undefined,
  );
  return memoized as AwsCredentialIdentityProvider;
}

/** A RoleSessionName STS accepts ([\w+=,.@-], 2 to 64): from BUILD_TAG, else a timestamp. */
export function roleSessionName(buildTag: string | undefined, nowMs: number): string {
  const base = buildTag?.trim() ? buildTag : String(nowMs);
  const name = `batchinf-${base.replace(/[^\w+=,.@-]+/g, "-")}`;
  return name.slice(0, 64);
}
