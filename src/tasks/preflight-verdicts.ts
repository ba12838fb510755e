/**
 * Whether an SDK error is one of the names a service gives a resource that
 * does not exist. (Read off the error itself: the kinds reach the bin, which
 * carries no SDK code, so ../aws/errors.ts and its classifiers stay out.)
 */
export function isNotFound(error: unknown, ...names: string[]): boolean {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === "string" && names.includes(name);
}
