/**
 * Runs asynchronous jobs one after another in call order: every native call on a model (and on its encoder outputs
 * and decoder sessions) goes through its model's queue, because the engine runs one call per model at a time.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Starts `job` once every job queued before it has settled; its failure does not stop the queue. */
  run<T>(job: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(job);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once every job queued so far has settled. */
  drained(): Promise<void> {
    return this.#tail;
  }
}
