import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The first capture of `pattern` in `text`; fails the test when there is none. */
function captured(text: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(text);
  expect(match, what).not.toBeNull();
  return match![1];
}

const major = (version: string): number => Number(version.split('.')[0]);

/**
 * The Node.js lines (docs/deployment.md, "Runtime"): the image runs the production line, CI runs
 * the suite on it and on the minimum, and the README, package.json and the docs say the same.
 */
describe('the Node.js runtime lines', () => {
  const minimum = captured(
    (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node,
    /^>=(\d+\.\d+\.\d+)$/,
    'package.json engines.node',
  );
  const productionVersion = captured(
    read('.ci/run'),
    /^NODE_PRODUCTION_VERSION=(\d+\.\d+\.\d+)$/m,
    '.ci/run NODE_PRODUCTION_VERSION',
  );

  it('runs this suite on the line CI asked for, never below the minimum', () => {
    const running = process.versions.node;
    if (process.env.EXPECT_NODE_MAJOR !== undefined) {
      expect(major(running)).toBe(Number(process.env.EXPECT_NODE_MAJOR));
    }
    const [minMajor, minMinor] = minimum.split('.').map(Number);
    const [runMajor, runMinor] = running.split('.').map(Number);
    expect(runMajor > minMajor || (runMajor === minMajor && runMinor >= minMinor)).toBe(true);
  });

  it('builds the image on the line CI tests as production, an LTS line newer than the minimum', () => {
    const imageMajor = Number(
      captured(read('Dockerfile'), /^ARG NODE_IMAGE=node:(\d+)-/m, 'Dockerfile NODE_IMAGE'),
    );
    expect(imageMajor).toBe(major(productionVersion));
    // LTS lines are the even ones; the minimum's line has reached its end of life.
    expect(imageMajor % 2).toBe(0);
    expect(imageMajor).toBeGreaterThan(major(minimum));
  });

  it('states both lines in the README and the deployment guide', () => {
    const [minMajor, minMinor] = minimum.split('.');
    expect(read('README.md')).toContain(`Node.js ≥ ${minMajor}.${minMinor}`);
    const deployment = read('docs/deployment.md');
    expect(deployment).toContain(
      `Node ${major(productionVersion)} LTS (\`node:${major(productionVersion)}-bookworm-slim\`)`,
    );
    expect(deployment).toContain(`runs \`npm test\` on ${productionVersion}`);
    expect(deployment).toContain(`| ${minMajor}.${minMinor} or later`);
  });
});
