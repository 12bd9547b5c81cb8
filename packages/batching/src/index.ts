export { BatchError } from './batch-error.js';
export type { Batch, BatchLimits, BatchPlanOptions } from './batch-plan.js';
export { planBatches } from './batch-plan.js';
export type { BatchSchedulerOptions, TakeLimits } from './batch-scheduler.js';
export { BatchScheduler } from './batch-scheduler.js';
export type { MapBatchedOptions, RunBatch } from './map-batched.js';
export { mapBatched } from './map-batched.js';
