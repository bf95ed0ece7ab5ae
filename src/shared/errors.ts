/** Stable error codes: front ends map them to messages and exit codes, never to stack traces. */
export const ERROR_CODES = [
  'FOLDER_NOT_FOUND',
  'NOT_A_DIRECTORY',
  'FOLDER_ALREADY_ADDED',
  'UNKNOWN_FOLDER',
  'DATA_DIR_UNWRITABLE',
  'DATABASE_LOCKED',
  'DATABASE_ERROR',
  'BAD_QUERY',
  'MODEL_NOT_FOUND',
  'MODEL_LOAD_FAILED',
  'SEMANTIC_UNAVAILABLE',
  'CURSOR_EXPIRED',
  'CANCELLED',
  'FILE_NOT_FOUND',
  'EDITOR_FAILED',
  /** The front end cannot do this (browser mode has no folder picker, for one). */
  'UNSUPPORTED',
  /** No engine serves the data directory, and none could be started or reached. */
  'ENGINE_UNAVAILABLE',
  /** The engine that owns the data directory runs another version of Quarry. */
  'ENGINE_VERSION',
  /** No cache by that name, or settings it cannot take. */
  'UNKNOWN_CACHE',
  'BAD_CACHE_SETTINGS',
  /** No alert rule by that id. */
  'UNKNOWN_ALERT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure with a stable code; only its code and message cross process boundaries. */
export class QuarryError extends Error {
  override readonly name = 'QuarryError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isQuarryError(error: unknown): error is QuarryError {
  return error instanceof QuarryError;
}
