import { defineConfig } from '@playwright/test';

// Debian's Chromium: this network allows no browser downloads. As root it needs --no-sandbox, and
// the background-networking flags stop it from calling home on a network that refuses it.
export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
};

// Suites that never touch the global setup's server.
const OWN_SERVERS = ['**/embedded.spec.ts', '**/shared-cache.spec.ts', '**/standalone.spec.ts', '**/faults.spec.ts', '**/fuzz.spec.ts', '**/flood.spec.ts', '**/scale.spec.ts', '**/edge.spec.ts', '**/admin-login.spec.ts'];

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  // Two lanes, one worker each. The suites on the one production server the global setup starts
  // watch its cache, so they run one at a time, or they would invalidate pages under each other's
  // feet. The suites that start servers, databases and caches of their own (tests/e2e/support/site.ts)
  // run one at a time beside them: on two cores, the two lanes take about the time of the longer.
  workers: 2,
  fullyParallel: false,
  projects: [
    { name: 'shared server', testIgnore: OWN_SERVERS, workers: 1 },
    { name: 'own servers', testMatch: OWN_SERVERS, workers: 1 },
  ],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [['list'], ['json']],
  outputDir: 'test-results/e2e',
  globalSetup: './tests/e2e/support/global-setup.ts',
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunch,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
