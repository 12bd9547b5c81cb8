import { defineConfig } from 'vitest/config';

// The benchmarks' own unit tests (the long-form checker) when run alone: `pnpm -F @verbatim/benchmarks test`. The root
// vitest config (and so CI) runs them too, as the project "benchmarks". @verbatim/* imports resolve to their TypeScript sources, as at the root.
export default defineConfig({
  resolve: { conditions: ['@verbatim/source'] },
  ssr: { resolve: { conditions: ['@verbatim/source'] } },
  test: { name: 'benchmarks', include: ['src/**/*.test.ts'] },
});
