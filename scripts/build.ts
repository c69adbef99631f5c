import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as bundle } from 'esbuild';
import { config } from '@/lib/config';
import { runtimeFiles } from './runtime-files';

/*
 * `npm run build`: `next build`, after emptying Next's data cache. `next build` reuses
 * <distDir>/cache/fetch-cache from earlier builds, where the `unstable_cache` entries live; those
 * were read from whatever database and code the earlier build saw, and would be prerendered
 * into this build's pages as if they were current.
 *
 * Before that it bundles the two pieces Node loads directly, outside Next's own bundles: the
 * production server and the page cache handler (next.config.ts points Next at the latter).
 */

export async function bundleRuntime(): Promise<void> {
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node20',
    packages: 'external' as const,
    tsconfig: path.join(process.cwd(), 'tsconfig.json'),
    logLevel: 'warning' as const,
  };
  await bundle({ ...common, entryPoints: [path.join(process.cwd(), 'lib', 'page-cache', 'handler.ts')], outfile: runtimeFiles.cacheHandler });
  await bundle({ ...common, entryPoints: [path.join(process.cwd(), 'scripts', 'serve.ts')], outfile: runtimeFiles.server });
}

export async function build(env: NodeJS.ProcessEnv = process.env, stdio: 'inherit' | 'pipe' = 'inherit'): Promise<{ code: number; output: string }> {
  const distDir = path.resolve(process.cwd(), config.FRESHPRESS_DIST_DIR);
  await rm(path.join(distDir, 'cache', 'fetch-cache'), { recursive: true, force: true });
  await bundleRuntime();
  const nextBin = path.join(process.cwd(), 'node_modules', 'next', 'dist', 'bin', 'next');
  // Prerendered pages are no newer than this: the page cache checks them against invalidations
  // made since, even ones made while the build ran (lib/page-cache/handler.ts).
  const startedAt = Date.now();
  const result = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], { env, stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
  if (result.code === 0) await writeFile(path.join(distDir, 'freshpress-build-start'), String(startedAt));
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit((await build()).code);
}
