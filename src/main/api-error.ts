import { ContractError, type ApiError } from '../shared/contract.js';
import { isQuarryError } from '../shared/errors.js';

/** What of an error crosses a transport: its stable code and message, never its stack. */
export function toApiError(error: unknown): ApiError {
  if (isQuarryError(error)) return { code: error.code, message: error.message };
  if (error instanceof ContractError) return { code: 'BAD_REQUEST', message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
