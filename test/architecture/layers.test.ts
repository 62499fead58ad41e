/**
 * The layer rule of ARCHITECTURE.md, checked on every import under src/ (static imports,
 * re-exports, type-only imports and dynamic import()):
 *   src/tui       never imports src/api, src/system, knex (or a database driver) or the database module;
 *   src/api       never imports src/system or knex (or a database driver);
 *   src/system    never imports src/services, src/api or src/tui;
 *   src/services  never imports src/tui or src/api;
 *   and, from ARCHITECTURE.md ("src/tui imports operation contracts and the client, never
 *   handlers"): src/tui loads no src/services module at run time. Type-only imports are
 *   erased at build and do not count for this rule; for the others every form counts.
 * Today's exceptions are listed below, exactly: a new violation fails, and so does an entry
 * that no longer occurs, so the list can only shrink.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import ts from 'typescript';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SRC = path.join(ROOT, 'src');

/**
 * Known violations, `file -> imported module` (both relative to the repository, without
 * extension). None since the console became a client of the daemon (issue 10): the list may only
 * stay empty.
 */
const ALLOWED: string[] = [];

type Layer = 'tui' | 'api' | 'system' | 'services' | 'contracts' | 'client' | 'vocabulary' | 'lib';
const DB_PACKAGES = ['knex', 'pg', 'better-sqlite3'];

/**
 * What each layer may not import: repository-relative prefixes of src modules (in any form, type
 * imports included), or package names; `onlyPackages`: the only packages it may import (Node's own
 * `node:` modules always).
 */
const FORBIDDEN: Record<Layer, { modules: string[]; packages: string[]; onlyPackages?: string[] }> = {
  // The console is a client of the daemon: contracts and the client, never a handler, even for a type.
  tui: { modules: ['src/api', 'src/system', 'src/services'], packages: DB_PACKAGES },
  // Contracts are what both faces and every client share: schemas and metadata, nothing that runs the appliance.
  contracts: { modules: ['src/services', 'src/api', 'src/system', 'src/tui', 'src/client'], packages: [], onlyPackages: ['zod', 'croner'] },
  // The client speaks HTTP to the daemon: contracts and Node's own modules, nothing of the daemon's.
  client: { modules: ['src/services', 'src/api', 'src/system', 'src/tui'], packages: [], onlyPackages: ['zod'] },
  api: { modules: ['src/system'], packages: DB_PACKAGES },
  system: { modules: ['src/services', 'src/api', 'src/tui', 'src/contracts', 'src/client'], packages: [] },
  services: { modules: ['src/tui', 'src/api', 'src/client'], packages: [] },
  // The tools' grammar (ZFS names and sizes, smb.conf, exports, iSCSI): a leaf of Node's own modules that every layer may import.
  vocabulary: { modules: ['src/services', 'src/api', 'src/system', 'src/tui', 'src/client', 'src/contracts'], packages: [], onlyPackages: [] },
  // Small utilities of the language (the one in-process lock): a leaf of Node's own modules that every layer may import.
  lib: { modules: ['src/services', 'src/api', 'src/system', 'src/tui', 'src/client', 'src/contracts', 'src/vocabulary'], packages: [], onlyPackages: [] },
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

interface Specifier {
  spec: string;
  /** Erased at build: `import type`, `export type`, every named element `type`, or an import() type. */
  typeOnly: boolean;
}

function importIsTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function exportIsTypeOnly(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** Every module specifier a file names: import/export ... from, import x = require(), import(), import() types. */
export function specifiers(file: string, text: string): Specifier[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Specifier[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, typeOnly: importIsTypeOnly(node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, typeOnly: exportIsTypeOnly(node) });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ spec: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** A relative specifier as a repository-relative path without extension; a package as its name. */
function target(file: string, spec: string): { module?: string; pkg?: string } {
  if (spec.startsWith('.')) {
    const abs = path.resolve(path.dirname(file), spec);
    return {
      module: path
        .relative(ROOT, abs)
        .split(path.sep)
        .join('/')
        .replace(/\.(js|jsx|ts|tsx|mjs)$/, ''),
    };
  }
  const parts = spec.split('/');
  return { pkg: spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]! };
}

const under = (module: string, prefix: string) => module === prefix || module.startsWith(`${prefix}/`);

/** The crossings of one file (`file` absolute, under src/), as `file -> module` lines. */
function crossings(file: string, text: string): string[] {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  const rule = FORBIDDEN[rel.split('/')[1] as Layer];
  if (!rule) return [];
  const from = rel.replace(/\.(ts|tsx|mts)$/, '');
  const out: string[] = [];
  for (const { spec } of specifiers(file, text)) {
    const t = target(file, spec);
    if (t.module && rule.modules.some((m) => under(t.module!, m))) out.push(`${from} -> ${t.module}`);
    if (t.pkg && (rule.packages.includes(t.pkg) || (rule.onlyPackages && !t.pkg.startsWith('node:') && !rule.onlyPackages.includes(t.pkg))))
      out.push(`${from} -> ${t.pkg}`);
  }
  return out;
}

function violations(): string[] {
  const out = new Set<string>();
  for (const file of sourceFiles(SRC)) for (const v of crossings(file, fs.readFileSync(file, 'utf8'))) out.add(v);
  return [...out].sort();
}

describe('layer rule', () => {
  test('the import parser sees every form of import', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export * from 'knex';",
      "import d = require('pg');",
      "const e = await import('../../system/host.js');",
      "type F = import('./f.js').F;",
      "import './side-effect.js';",
    ].join('\n');
    expect(specifiers('x.ts', text)).toEqual([
      { spec: './a.js', typeOnly: false },
      { spec: '../b.js', typeOnly: true },
      { spec: './c.js', typeOnly: false },
      { spec: 'knex', typeOnly: false },
      { spec: 'pg', typeOnly: false },
      { spec: '../../system/host.js', typeOnly: false },
      { spec: './f.js', typeOnly: true },
      { spec: './side-effect.js', typeOnly: false },
    ]);
    expect(
      specifiers(
        'y.ts',
        "import { type A, type B } from './ab.js';\nimport { type C, d } from './cd.js';\nexport type { E } from './e.js';\nexport { type G, h } from './gh.js';",
      ),
    ).toEqual([
      { spec: './ab.js', typeOnly: true },
      { spec: './cd.js', typeOnly: false },
      { spec: './e.js', typeOnly: true },
      { spec: './gh.js', typeOnly: false },
    ]);
  });

  test('each rule catches its crossing, and lets the allowed imports through', () => {
    const at = (rel: string) => path.join(ROOT, rel);
    expect(
      crossings(
        at('src/tui/screens/x.tsx'),
        [
          "import knex from 'knex';",
          "import type { Knex } from 'knex';",
          "import { openDb } from '../../services/db.js';",
          "import { listen } from '../../api/server.js';",
          "import { ZfsAdapter } from '../../system/zfs/index.js';",
          "const m = await import('../../services/index.js');",
          "import type { Calypso } from '../../services/index.js';",
          "import { Text } from '../components/Text.js';",
          "import React from 'react';",
        ].join('\n'),
      ),
    ).toEqual([
      'src/tui/screens/x -> knex',
      'src/tui/screens/x -> knex',
      'src/tui/screens/x -> src/services/db',
      'src/tui/screens/x -> src/api/server',
      'src/tui/screens/x -> src/system/zfs/index',
      'src/tui/screens/x -> src/services/index',
      'src/tui/screens/x -> src/services/index',
    ]);
    expect(
      crossings(
        at('src/api/x.ts'),
        "import { LocalHost } from '../system/local-host.js';\nimport pg from 'pg';\nimport { z } from 'zod';\nimport type { Calypso } from '../services/index.js';",
      ),
    ).toEqual(['src/api/x -> src/system/local-host', 'src/api/x -> pg']);
    expect(
      crossings(
        at('src/system/zfs/x.ts'),
        "import type { Actor } from '../../services/core/context.js';\nexport * from '../../tui/format.js';\nimport { API_PREFIX } from '../../api/server.js';\nimport { run } from '../host.js';",
      ),
    ).toEqual(['src/system/zfs/x -> src/services/core/context', 'src/system/zfs/x -> src/tui/format', 'src/system/zfs/x -> src/api/server']);
    expect(
      crossings(
        at('src/services/x/y.ts'),
        "import { Text } from '../../tui/components/Text.js';\nimport { bearerToken } from '../../api/server.js';\nimport knex from 'knex';\nimport type { Host } from '../../system/host.js';",
      ),
    ).toEqual(['src/services/x/y -> src/tui/components/Text', 'src/services/x/y -> src/api/server']);
    // Outside the four layers (main.ts, the composition root) anything goes.
    expect(crossings(at('src/main.ts'), "import { createApi } from './api/server.js';\nimport { openDb } from './services/db.js';")).toEqual([]);
  });

  test('no import crosses a layer line beyond the listed exceptions, and every exception still occurs', () => {
    const found = violations();
    const unexpected = found.filter((v) => !ALLOWED.includes(v));
    const gone = ALLOWED.filter((v) => !found.includes(v));
    expect({ unexpected, gone }).toEqual({ unexpected: [], gone: [] });
    expect(new Set(ALLOWED).size).toBe(ALLOWED.length);
  });
});
