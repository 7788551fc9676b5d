import { Result } from '../../src/domain/errors';

/** The value of a success; throws, naming the error code, on a failure. */
export function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}`);
  return result.value;
}

/** The error code of a failure; throws, showing the value, on a success. */
export function codeOf<T>(result: Result<T>): string {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error.code;
}
