import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describeConnectionError } from '@/db/client';
import { createSeededTemplate, dropDatabasesWithPrefix, serverUrl } from './support/databases';

/*
 * `npm test`: every suite, against the machine's real PostgreSQL (and Redis), in databases made
 * for this run alone. Prints one closing line "N passed, N failed" and exits non-zero on any failure.
 */

const root = process.cwd();
const runId = `freshpress_test_${Date.now().toString(36)}_${process.pid}`;
const tsNode = ['--conditions=react-server', '--import', 'tsx'];

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number;
}

/** Where a suite's lines go: straight out, or held until it ends (a suite running beside another). */
type Out = (text: string) => void;
const live: Out = (text) => process.stdout.write(text);

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  out: Out = live,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => out(chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out(chunk.toString());
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function testFiles(folder: string): Promise<string[]> {
  const dir = path.join(root, 'tests', folder);
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((file) => file.endsWith('.test.ts'))
    .sort()
    .map((file) => path.join('tests', folder, file));
}

async function nodeSuite(
  name: string,
  folder: string,
  env: NodeJS.ProcessEnv,
  concurrency: number,
  out: Out = live,
): Promise<SuiteResult> {
  const files = await testFiles(folder);
  if (files.length === 0) return { name, passed: 0, failed: 0, skipped: 0, exitCode: 0 };
  out(`\n=== ${name} tests (${files.length} files) ===\n`);
  const { code, output } = await run(
    process.execPath,
    [...tsNode, '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
    env,
    out,
  );
  const count = (label: string) => Number(output.match(new RegExp(`ℹ ${label} (\\d+)`))?.[1] ?? 0);
  const failed = count('fail') + count('cancelled');
  // A crash before the summary still counts as a failure.
  return {
    name,
    passed: count('pass'),
    failed: failed || (code !== 0 ? 1 : 0),
    skipped: count('skipped') + count('todo'),
    exitCode: code,
  };
}

async function playwrightSuite(env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  console.log('\n=== end-to-end tests (Playwright, Chromium) ===');
  const report = path.join(root, 'test-results', 'e2e-report.json');
  const { code } = await run(
    process.execPath,
    ['--conditions=react-server', path.join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test'],
    // The run's type check has checked the tree: the suite's builds need not do it again.
    { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: report, FRESHPRESS_BUILD_TYPECHECK: 'off' },
  );
  try {
    const stats = JSON.parse(await readFile(report, 'utf8')).stats as {
      expected: number;
      unexpected: number;
      flaky: number;
      skipped: number;
    };
    return {
      name: 'e2e',
      passed: stats.expected + stats.flaky,
      failed: stats.unexpected || (code !== 0 ? 1 : 0),
      skipped: stats.skipped,
      exitCode: code,
    };
  } catch {
    return { name: 'e2e', passed: 0, failed: 1, skipped: 0, exitCode: code || 1 };
  }
}

type Check = readonly [label: string, bin: string, args: readonly string[]];

/** Type checking first: it reads the build's generated route types, which the suite's build rewrites. */
const TYPECHECK: Check[] = [['typecheck', 'typescript/bin/tsc', ['--noEmit', '-p', '.']]];
const LINT_AND_FORMAT: Check[] = [
  ['lint', 'eslint/bin/eslint.js', ['.']],
  ['format', 'prettier/bin/prettier.cjs', ['--check', '.']],
];

/** Static checks, counted as one test each so a failure shows in the closing line. */
async function staticChecks(
  title: string,
  checks: Check[],
  env: NodeJS.ProcessEnv,
  out: Out = live,
): Promise<SuiteResult> {
  out(`\n=== ${title} ===\n`);
  let passed = 0;
  let failed = 0;
  for (const [label, bin, args] of checks) {
    const { code } = await run(process.execPath, [path.join(root, 'node_modules', bin), ...args], env, out);
    out(`${code === 0 ? '✔' : '✖'} ${label}\n`);
    if (code === 0) passed += 1;
    else failed += 1;
  }
  return { name: 'checks', passed, failed, skipped: 0, exitCode: failed > 0 ? 1 : 0 };
}

async function main(): Promise<number> {
  const started = Date.now();
  const template = `${runId}_template`;
  try {
    console.log(`Preparing the seeded template database ${template}…`);
    await createSeededTemplate(template);
  } catch (error) {
    console.error(describeConnectionError(error, serverUrl) ?? error);
    console.log('0 passed, 1 failed');
    return 1;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FRESHPRESS_TEST_TEMPLATE: template,
    NEXT_TELEMETRY_DISABLED: '1',
  };
  const results: SuiteResult[] = [];
  try {
    const typecheck = await staticChecks('type check (tsc)', TYPECHECK, env);
    // The end-to-end suite starts with a build of a minute or more: the other suites run beside it,
    // their lines held and printed whole once they are done.
    const e2e = process.argv.includes('--no-e2e') ? null : playwrightSuite(env);
    let held = '';
    const hold: Out = e2e ? (text) => (held += text) : live;
    const checks = await staticChecks('lint and format (eslint, prettier)', LINT_AND_FORMAT, env, hold);
    results.push({
      ...checks,
      passed: checks.passed + typecheck.passed,
      failed: checks.failed + typecheck.failed,
      exitCode: checks.exitCode || typecheck.exitCode,
    });
    results.push(await nodeSuite('unit', 'unit', env, 2, hold));
    results.push(await nodeSuite('integration', 'integration', env, 2, hold));
    if (held)
      process.stdout.write(`\n=== lint, format, unit and integration tests (run beside the build) ===\n${held}\n`);
    if (e2e) results.push(await e2e);
  } finally {
    await dropDatabasesWithPrefix(runId).catch((error) => console.error('could not drop test databases', error));
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const skipped = results.reduce((n, r) => n + r.skipped, 0);
  console.log('\nSuite        passed  failed  skipped');
  for (const r of results)
    console.log(
      `${r.name.padEnd(12)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}`,
    );
  console.log(`Time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed > 0 || results.some((r) => r.exitCode !== 0) ? 1 : 0;
}

process.exit(await main());
