import { expect } from 'vitest';
import { ModelResolutionError } from '../model-errors.js';

/** The ModelResolutionError a promise rejects with (failing the test when it fulfils or rejects otherwise). */
export async function modelErrorOf(promise: Promise<unknown>): Promise<ModelResolutionError> {
  const error = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(ModelResolutionError);
  return error as ModelResolutionError;
}
