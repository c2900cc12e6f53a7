import swc from 'unplugin-swc';
import { configDefaults, defineConfig } from 'vitest/config';

// `npm run test:cluster`: two compiled instances, PostgreSQL, Redis and nginx (test/cluster/).
// Kept apart from `npm test`, which vitest.config.mts runs. Plain .mjs so ESLint lints it without
// a tsconfig entry.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.e2e-spec.ts'],
    exclude: configDefaults.exclude,
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // One file at a time: each starts its own PostgreSQL database, Redis, two instances and nginx,
    // and the instance-loss tests put them under load on a 2-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    restoreMocks: true,
  },
  // swc keeps decorator metadata, which the entities loaded by the global setup need.
  plugins: [swc.vite({ module: { type: 'es6' } })],
});
