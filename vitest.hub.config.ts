import { defineConfig } from 'vitest/config';

// The district hub's tests (Node only, no WXT). Every suite runs on PGlite, and also on PostgreSQL when
// HUB_TEST_DATABASE_URL is set (see scripts/ci-postgres.sh).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['tests/hub/**/*.test.ts'],
    // A log directory for every hub the tests start, grepped for secrets when the run ends.
    globalSetup: ['tests/hub/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite instances are heavy (WASM); two cores here.
    maxWorkers: 2,
  },
});
