// No import cycles in src/: a module's dependencies are understood without its dependants, and
// the layers stay layers (core ← engines/aws ← app ← commands/cli/views). Type-only imports count
// too: a cycle of types is still two modules that cannot be read apart.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of a module, resolved to files. */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'/gm)) {
    const target = resolve(dirname(file), match[1]!);
    const resolved = [`${target}.ts`, join(target, 'index.ts')].find((candidate) => existsSync(candidate));
    if (resolved) found.push(resolved);
  }
  return found;
}

/** Every cycle found by a depth-first search, as module paths relative to src/. */
export function findCycles(graph: Map<string, string[]>, root: string): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((path) => relative(root, path)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('import graph of src/', () => {
  it('finds a cycle when there is one (the check itself can fail)', () => {
    const graph = new Map([
      ['/r/a.ts', ['/r/b.ts']],
      ['/r/b.ts', ['/r/c.ts']],
      ['/r/c.ts', ['/r/a.ts']],
      ['/r/d.ts', ['/r/a.ts']],
    ]);
    assert.deepEqual(findCycles(graph, '/r'), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('reads type-only imports and re-exports as edges', () => {
    const file = join(SRC, 'studio.ts');
    const edges = importsOf(file, "import type { X } from './core/settings';\nexport { Y } from './core/format';\n");
    assert.deepEqual(
      edges.map((path) => relative(SRC, path)),
      ['core/settings.ts', 'core/format.ts'],
    );
  });

  it('has no cycles', () => {
    const files = sourceFiles(SRC);
    assert.ok(files.length > 50, `found only ${files.length} modules under ${SRC}`);
    const graph = new Map(files.map((file) => [file, importsOf(file, readFileSync(file, 'utf8'))]));
    assert.deepEqual(findCycles(graph, SRC), []);
  });
});
