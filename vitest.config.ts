import { defineConfig } from 'vitest/config';

// Four projects so CI (and developers) can run the fast unit tests separately from the ones
// that start real Consul agents and HTTP servers (integration) or a whole Docker mesh (e2e).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'cli/**/*.test.{ts,tsx}',
            'proxy/**/*.test.ts',
            'services/**/*.test.ts',
            'grafana/**/*.test.ts',
            'test/architecture.test.ts',
          ],
          exclude: ['grafana/prometheus.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'grafana/prometheus.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The README's quick start in a fresh clone: run first and alone (npm test), so that on
          // a cold machine it is the one that meets the cold path.
          name: 'quickstart',
          include: ['test/quickstart/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 120_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
