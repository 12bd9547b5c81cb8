import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { findViolations, importSpecifiers, packageNameOf } from './check-layers.mjs';

const LAYERS = { core: [], audio: ['core'], cli: ['core', 'audio'] };

function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function manifest(name: string, dependencies: Record<string, string> = {}): string {
  return JSON.stringify({ name: `@verbatim/${name}`, dependencies });
}

const ROOT_MANIFEST = JSON.stringify({ name: 'root', devDependencies: { vitest: '4' } });

describe('importSpecifiers', () => {
  it('finds static, side-effect, dynamic and require imports, ignoring comments', () => {
    const code = [
      "import { a } from '@verbatim/core';",
      "import type { B } from './b.js';",
      "export * from 'x/sub';",
      "import 'side-effect';",
      "const c = await import('dyn');",
      "const d = require('req');",
      "// import { e } from 'commented';",
      "/* import 'block'; */",
      'const message = "import { f } from \'quoted\'";',
    ].join('\n');
    expect(importSpecifiers(code)).toEqual([
      '@verbatim/core',
      './b.js',
      'x/sub',
      'side-effect',
      'dyn',
      'req',
    ]);
  });

  it('maps specifiers to package names and skips built-ins and relative paths', () => {
    expect(packageNameOf('@verbatim/core/internal')).toBe('@verbatim/core');
    expect(packageNameOf('commander/esm')).toBe('commander');
    expect(packageNameOf('node:fs')).toBeUndefined();
    expect(packageNameOf('fs/promises')).toBeUndefined();
    expect(packageNameOf('../x.js')).toBeUndefined();
  });
});

describe('findViolations', () => {
  it('accepts a workspace that follows the layering', () => {
    const root = writeTree({
      'package.json': ROOT_MANIFEST,
      'packages/core/package.json': manifest('core'),
      'packages/core/src/index.ts': "export const x = 1;\nimport { readFileSync } from 'node:fs';",
      'packages/audio/package.json': manifest('audio', { '@verbatim/core': 'workspace:*' }),
      'packages/audio/src/index.ts': "import { x } from '@verbatim/core';\nimport { y } from './y.js';",
      'packages/audio/src/index.test.ts': "import { it } from 'vitest';",
    });
    expect(findViolations(root, LAYERS)).toEqual([]);
  });

  it('rejects an import from a layer above, an undeclared dependency and a relative escape', () => {
    const root = writeTree({
      'package.json': ROOT_MANIFEST,
      'packages/core/package.json': manifest('core'),
      'packages/core/src/index.ts': "import { decode } from '@verbatim/audio';",
      'packages/audio/package.json': manifest('audio'),
      'packages/audio/src/index.ts':
        "import { x } from '@verbatim/core';\nimport { y } from '../../core/src/y.js';",
      'packages/audio/src/run.ts': "import { it } from 'vitest';",
    });
    expect(findViolations(root, LAYERS).sort()).toEqual([
      "packages/audio/src/index.ts: imports @verbatim/core, which @verbatim/audio's package.json does not declare",
      'packages/audio/src/index.ts: relative import "../../core/src/y.js" reaches outside @verbatim/audio',
      "packages/audio/src/run.ts: imports vitest, which @verbatim/audio's package.json does not declare",
      'packages/core/src/index.ts: @verbatim/core may not import @verbatim/audio (allowed: none)',
    ]);
  });

  it('allows test-only imports in tests, and only there', () => {
    const root = writeTree({
      'package.json': ROOT_MANIFEST,
      'packages/core/package.json': manifest('core'),
      'packages/audio/package.json': JSON.stringify({
        name: '@verbatim/audio',
        dependencies: { '@verbatim/core': 'workspace:*' },
        devDependencies: { '@verbatim/cli': 'workspace:*' },
      }),
      'packages/audio/src/index.ts': "import { x } from '@verbatim/core';",
      'packages/audio/src/index.test.ts': "import { run } from '@verbatim/cli';",
      'packages/audio/src/test-support/harness.ts': "import { run } from '@verbatim/cli';",
      'packages/audio/src/uses-cli.ts': "import { run } from '@verbatim/cli';",
    });
    expect(findViolations(root, LAYERS, { audio: ['cli'] })).toEqual([
      'packages/audio/src/uses-cli.ts: @verbatim/audio may not import @verbatim/cli (allowed: core; in tests also: cli)',
    ]);
    expect(findViolations(root, LAYERS).sort()).toEqual([
      'packages/audio/src/index.test.ts: @verbatim/audio may not import @verbatim/cli (allowed: core)',
      'packages/audio/src/test-support/harness.ts: @verbatim/audio may not import @verbatim/cli (allowed: core)',
      'packages/audio/src/uses-cli.ts: @verbatim/audio may not import @verbatim/cli (allowed: core)',
    ]);
  });

  it('rejects a package that the layer table does not know', () => {
    const root = writeTree({ 'package.json': ROOT_MANIFEST, 'apps/server/package.json': manifest('server') });
    expect(findViolations(root, LAYERS)).toEqual([
      'apps/server: package @verbatim/server has no entry in layers.json',
    ]);
  });
});
