/** What a model shares with the encoder outputs and decoder sessions it hands out. */
import type { ModelInfo } from '../model-info.js';
import { OwnedResources } from './owned-resources.js';
import { SerialQueue } from './serial-queue.js';

export class ModelContext {
  /** Every native call on the model, its outputs and its sessions, in call order. */
  readonly queue = new SerialQueue();
  readonly owned = new OwnedResources();
  /** Set when the model's dispose() starts: from then on its outputs and sessions refuse work too. */
  disposed = false;

  constructor(readonly info: ModelInfo) {}
}
