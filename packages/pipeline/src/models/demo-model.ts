/**
 * `demo`: the project's own small Whisper model, trained by tools/train and exported (Hugging Face layout) to
 * `<repository>/models/verbatim-demo-tiny/`. It is found by its place relative to this package, from the sources
 * (src/models/) and from the build (dist/models/) alike.
 */

import { fileURLToPath } from 'node:url';

/** The demo model's folder in this checkout. */
export const DEMO_MODEL_DIR = fileURLToPath(
  new URL('../../../../models/verbatim-demo-tiny', import.meta.url),
);
