import { isQuarryError } from '../shared/errors.js';

/** A command line the CLI cannot run: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export function isUsageError(error: unknown): boolean {
  return error instanceof UsageError || (!isQuarryError(error) && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true);
}
