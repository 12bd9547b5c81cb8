/** The E_DISPOSED error of a call made after dispose(), and dispose() of what a model hands out. */
import { EngineError } from '@verbatim/core';
import type { ModelContext } from './model-context.js';
import { nativeCall } from './native-error.js';
import type { OwnedResource } from './owned-resources.js';

/** What was disposed, as error messages name it. */
export type DisposedThing = 'model' | 'encoder output' | 'decoder session';

export function disposedError(operation: string, thing: DisposedThing): EngineError {
  return new EngineError('E_DISPOSED', `[${operation}] the ${thing} was disposed`);
}

/**
 * Frees a native encoder output or decoder session after the calls queued before it on its model, and stops the
 * model from tracking it.
 */
export function disposeOwned(
  context: ModelContext,
  ownership: WeakRef<OwnedResource>,
  native: { dispose(): Promise<void> },
): Promise<void> {
  return context.queue.run(async () => {
    context.owned.forget(ownership);
    await nativeCall(() => native.dispose());
  });
}
