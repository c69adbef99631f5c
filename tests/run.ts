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

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
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
): Promise<SuiteResult> {
  const files = await testFiles(folder);
  if (files.length === 0) return { name, passed: 0, failed: 0, skipped: 0, exitCode: 0 };
  console.log(`\n=== ${name} tests (${files.length} files) ===`);
  const { code, output } = await run(
    process.execPath,
    [...tsNode, '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
    env,
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
    // The static checks above type-checked the tree: the suite's builds need not do it again.
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

/** Type checking, linting and formatting, counted as one test each so a failure shows in the closing line. */
async function staticChecks(env: NodeJS.ProcessEnv): Promise<SuiteResult> {
  console.log('\n=== static checks (tsc, eslint, prettier) ===');
  let passed = 0;
  let failed = 0;
  for (const [label, bin, args] of [
    ['typecheck', 'typescript/bin/tsc', ['--noEmit', '-p', '.']],
    ['lint', 'eslint/bin/eslint.js', ['.']],
    ['format', 'prettier/bin/prettier.cjs', ['--check', '.']],
  ] as const) {
    const { code } = await run(process.execPath, [path.join(root, 'node_modules', bin), ...args], env);
    console.log(`${code === 0 ? '✔' : '✖'} ${label}`);
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
    results.push(await staticChecks(env));
    results.push(await nodeSuite('unit', 'unit', env, 2));
    results.push(await nodeSuite('integration', 'integration', env, 2));
    if (!process.argv.includes('--no-e2e')) results.push(await playwrightSuite(env));
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
