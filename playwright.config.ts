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

// Suites with servers of their own that load the machine (builds, bursts, faults): the second lane,
// one at a time, so two of them never compete for the cores. The global server's suites and the
// light own-server ones share the first.
const SECOND_LANE = [
  '**/embedded.spec.ts',
  '**/shared-cache.spec.ts',
  '**/standalone.spec.ts',
  '**/faults.spec.ts',
  '**/fuzz.spec.ts',
  '**/flood.spec.ts',
  '**/scale.spec.ts',
  '**/log-secrets.spec.ts',
  '**/edge.spec.ts',
  '**/bulk.spec.ts',
  '**/sitemap.spec.ts',
  '**/related.spec.ts',
  '**/replies.spec.ts',
];

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  // Two lanes, one worker each. The suites on the one production server the global setup starts
  // watch its cache, so they run one at a time in the first lane, or they would invalidate pages
  // under each other's feet. Suites that start servers, databases and caches of their own
  // (tests/e2e/support/site.ts) can run in either; the heavy ones fill the second lane, so on two
  // cores the whole run takes about the time of one lane.
  workers: 2,
  fullyParallel: false,
  projects: [
    { name: 'lane 1', testIgnore: SECOND_LANE, workers: 1 },
    { name: 'lane 2', testMatch: SECOND_LANE, workers: 1 },
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
