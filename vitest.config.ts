import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Every workspace package that has a package.json becomes one vitest project, named after its folder. */
function workspacePackages(): string[] {
  const groups = ['packages', 'apps', 'tools'];
  const grouped = groups.flatMap((group) =>
    existsSync(group)
      ? readdirSync(group)
          .map((name) => join(group, name))
          .filter((dir) => existsSync(join(dir, 'package.json')))
      : [],
  );
  const topLevel = ['benchmarks'].filter((dir) => existsSync(join(dir, 'package.json')));
  return [...grouped, ...topLevel];
}

// Imports of @verbatim/* resolve to their TypeScript sources (the "@verbatim/source" export condition), so tests
// never need a build first.
export default defineConfig({
  resolve: { conditions: ['@verbatim/source'] },
  ssr: { resolve: { conditions: ['@verbatim/source'] } },
  test: {
    testTimeout: 30_000,
    projects: workspacePackages().map((dir) => ({
      extends: true,
      test: { name: dir.split('/').pop()!, root: dir, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
    })),
  },
});
