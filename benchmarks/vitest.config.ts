import { defineConfig } from 'vitest/config';

// The benchmarks' own unit tests (the long-form checker): `pnpm -F @verbatim/benchmarks test`. The root vitest config
// collects packages/, apps/ and tools/ only. @verbatim/* imports resolve to their TypeScript sources, as at the root.
export default defineConfig({
  resolve: { conditions: ['@verbatim/source'] },
  ssr: { resolve: { conditions: ['@verbatim/source'] } },
  test: { name: 'benchmarks', include: ['src/**/*.test.ts'] },
});
