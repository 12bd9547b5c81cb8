#!/usr/bin/env node
// Enforces the layering of shared/docs/architecture.md on the workspace:
//  - a package imports a @verbatim package only if layers.json allows it (nothing from a layer above); its tests
//    (and test-support) may also import the packages layers.json's "testOnly" map lists for it (test harnesses,
//    reference implementations), which its shipped code may not;
//  - every bare import in a package's code is declared in its package.json (tests may also use the root's
//    devDependencies, e.g. vitest);
//  - no relative import reaches outside the package's own folder.
// Usage: check-layers [workspace-root]. Exit code 1 and one line per violation when anything is wrong.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SCOPE = '@verbatim/';
const WORKSPACE_GROUPS = ['packages', 'apps', 'tools'];
const SOURCE_DIRS = ['src', 'test', 'bin'];
const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
const TEST_FILE = /(?:\.test\.[cm]?[jt]s$|[/\\]test-support[/\\]|^test[/\\])/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'fixtures', 'golden']);
const BUILTINS = new Set(builtinModules);

/** @param {string} path */
function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Folders of the workspace that hold a package.json. @param {string} root */
export function workspacePackageDirs(root) {
  const dirs = WORKSPACE_GROUPS.flatMap((group) => {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) return [];
    return readdirSync(groupDir).map((name) => join(groupDir, name));
  });
  dirs.push(join(root, 'benchmarks'));
  return dirs.filter((dir) => existsSync(join(dir, 'package.json')));
}

/** @param {string} dir @returns {string[]} */
function sourceFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRS.has(name) ? [] : sourceFilesUnder(path);
    return SOURCE_FILE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Module specifiers of static imports/exports, dynamic import() and require(), found by TypeScript's own
 * pre-processor, so that comments and string literals that merely look like imports are not counted.
 * @param {string} code
 */
export function importSpecifiers(code) {
  return ts.preProcessFile(code, true, true).importedFiles.map((file) => file.fileName);
}

/** The package a bare specifier names, or undefined for relative paths and Node built-ins. @param {string} specifier */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] ?? '')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** @param {Record<string, unknown>} manifest @param {string[]} fields */
function declared(manifest, fields) {
  return new Set(fields.flatMap((field) => Object.keys(/** @type {object} */ (manifest[field] ?? {}))));
}

/**
 * Every layering violation in the workspace at `root`, as printable lines.
 * @param {string} root
 * @param {Record<string, string[]>} layers allowed @verbatim imports per package (name without the scope)
 * @param {Record<string, string[]>} [testOnly] further @verbatim imports allowed in a package's test files only
 */
export function findViolations(root, layers, testOnly = {}) {
  const rootManifest = readJson(join(root, 'package.json'));
  const rootDevDependencies = declared(rootManifest, ['devDependencies']);
  const violations = [];
  for (const dir of workspacePackageDirs(root)) {
    const manifest = readJson(join(dir, 'package.json'));
    const name = String(manifest.name ?? '');
    const shortName = name.startsWith(SCOPE) ? name.slice(SCOPE.length) : name;
    const allowed = layers[shortName];
    if (allowed === undefined) {
      violations.push(`${relative(root, dir)}: package ${name} has no entry in layers.json`);
      continue;
    }
    const allowedInTests = [...allowed, ...(testOnly[shortName] ?? [])];
    const runtimeDeps = declared(manifest, ['dependencies', 'peerDependencies', 'optionalDependencies']);
    const allDeps = declared(manifest, [
      'dependencies',
      'peerDependencies',
      'optionalDependencies',
      'devDependencies',
    ]);
    for (const file of SOURCE_DIRS.flatMap((sub) => sourceFilesUnder(join(dir, sub)))) {
      const where = relative(root, file);
      const isTest = TEST_FILE.test(relative(dir, file));
      for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (target !== dir && !target.startsWith(dir + sep)) {
            violations.push(`${where}: relative import "${specifier}" reaches outside ${name}`);
          }
          continue;
        }
        const dependency = packageNameOf(specifier);
        if (dependency === undefined || dependency === name) continue;
        if (
          dependency.startsWith(SCOPE) &&
          !(isTest ? allowedInTests : allowed).includes(dependency.slice(SCOPE.length))
        ) {
          const testsOnly = testOnly[shortName]?.length
            ? `; in tests also: ${testOnly[shortName].join(', ')}`
            : '';
          violations.push(
            `${where}: ${name} may not import ${dependency} (allowed: ${allowed.join(', ') || 'none'}${testsOnly})`,
          );
          continue;
        }
        const ok = isTest
          ? allDeps.has(dependency) || rootDevDependencies.has(dependency)
          : runtimeDeps.has(dependency);
        if (!ok)
          violations.push(`${where}: imports ${dependency}, which ${name}'s package.json does not declare`);
      }
    }
  }
  return violations;
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const root = resolve(process.argv[2] ?? '.');
  const { testOnly, ...layers } = readJson(join(dirname(fileURLToPath(import.meta.url)), 'layers.json'));
  const violations = findViolations(root, layers, testOnly);
  for (const line of violations) console.error(`check-layers: ${line}`);
  if (violations.length > 0) process.exit(1);
  console.log(`check-layers: ${workspacePackageDirs(root).length} packages follow the layering`);
}
