// Mutated log lines for the fuzz tests: a few random edits of a valid line, each a cut, an inserted
// piece of junk, a truncation or (with `replace`) a replaced character.

import type { Random } from '../../src/core/random';

export function mutateLine(random: Random, line: string, junk: readonly string[], options: { replace?: boolean } = {}): string {
  const kinds = options.replace ? 4 : 3;
  for (let k = random.int(4); k > 0; k--) {
    const at = random.int(line.length + 1);
    const op = random.int(kinds);
    if (op === 0) line = line.slice(0, at) + line.slice(at + 1 + random.int(8));
    else if (op === 3) line = line.slice(0, at) + random.pick(junk) + line.slice(at + 1);
    else if (op === 1) line = line.slice(0, at) + random.pick(junk) + line.slice(at);
    else line = line.slice(0, at);
  }
  return line;
}
