/**
 * What a model has handed out (encoder outputs, decoder sessions) and not yet seen disposed, so that the model's
 * dispose() can dispose them first. Held weakly: one the caller drops is left to the garbage collector (and to the
 * native finalizer), not kept alive until the model goes.
 */
export interface OwnedResource {
  dispose(): Promise<void>;
}

export class OwnedResources {
  readonly #refs = new Set<WeakRef<OwnedResource>>();
  readonly #collected = new FinalizationRegistry<WeakRef<OwnedResource>>((ref) => this.#refs.delete(ref));

  /** Tracks `resource`; pass the returned token to forget() once it is disposed. */
  add(resource: OwnedResource): WeakRef<OwnedResource> {
    const ref = new WeakRef(resource);
    this.#refs.add(ref);
    this.#collected.register(resource, ref, ref);
    return ref;
  }

  forget(token: WeakRef<OwnedResource>): void {
    this.#refs.delete(token);
    this.#collected.unregister(token);
  }

  /** The tracked resources still alive. */
  alive(): OwnedResource[] {
    return [...this.#refs].flatMap((ref) => ref.deref() ?? []);
  }
}
