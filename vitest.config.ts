import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real training runs: allow minutes, and run files one after another so
    // a timing assertion (event-loop lag) never competes with another fit
    // for the machine's cores.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
