import { afterAll, beforeAll } from 'vitest';
import { SileroModel } from '../silero-model.js';

/** Both shipped models, loaded once before the enclosing suite's tests and released after them. */
export function useSileroModels(): { readonly v5: SileroModel; readonly v6: SileroModel } {
  const models = {} as { v5: SileroModel; v6: SileroModel };
  beforeAll(async () => {
    [models.v5, models.v6] = await Promise.all([SileroModel.load('v5'), SileroModel.load('v6')]);
  });
  afterAll(async () => {
    await Promise.all([models.v5.dispose(), models.v6.dispose()]);
  });
  return models;
}
