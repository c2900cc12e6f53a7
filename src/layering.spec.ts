import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = __dirname;

/**
 * The floors of the tree (README, "Layout"): what lives on a floor may import from its own floor
 * and those below it, never from a feature above. `common/`, `config/` and `database/` are the
 * ground; the migrations are data of the database floor.
 */
const GROUND_FLOOR = ['common', 'config', 'database'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(path);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The top folder under src/ of each relative import of `file`. */
function importedFloors(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((match) => {
    const target = relative(SRC, resolve(dirname(file), match[1]));
    return target.split('/')[0];
  });
}

describe('layering', () => {
  it.each(GROUND_FLOOR)('%s/ imports nothing from a feature module', (floor) => {
    const upward = sourceFiles(join(SRC, floor)).flatMap((file) =>
      importedFloors(file)
        .filter((imported) => !GROUND_FLOOR.includes(imported))
        .map((imported) => `${relative(SRC, file)} imports ${imported}/`),
    );
    expect(upward).toEqual([]);
  });
});
