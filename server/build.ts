import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as bundle } from 'esbuild';
import { config, parseEnv } from '@/lib/core/config';
import { BUILD_SITE_FILE, recordBuildSite, siteOf } from '@/lib/page-cache/build-site';
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
    tsconfig: path.join(process.cwd(), 'tsconfig.json'),
    logLevel: 'warning' as const,
  };
  // Next traces the cache handler's imports into the standalone output itself.
  await bundle({
    ...common,
    packages: 'external',
    entryPoints: [path.join(process.cwd(), 'lib', 'page-cache', 'handler.ts')],
    outfile: runtimeFiles.cacheHandler,
  });
  // The server and the migration command carry their dependencies (all but Next, which must be the
  // one the app was built with), so the standalone folder needs nothing Next did not trace.
  const selfContained = {
    ...common,
    external: ['next', 'next/*'],
    // The server process is the server: modules it shares with the app (db/, lib/accounts/) mark
    // themselves server-only, which outside Next's react-server condition would throw on import.
    alias: { 'server-only': path.join(process.cwd(), 'node_modules', 'server-only', 'empty.js') },
    // Bundled CommonJS packages call require() for Node's own modules; an ES module has none.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  };
  await bundle({
    ...selfContained,
    entryPoints: [path.join(process.cwd(), 'server', 'serve.ts')],
    outfile: runtimeFiles.server,
  });
  await bundle({
    ...selfContained,
    entryPoints: [path.join(process.cwd(), 'db', 'migrate.ts')],
    outfile: runtimeFiles.migrate,
  });
}

/**
 * `<distDir>/standalone`: Next's standalone output (its traced node_modules and server files)
 * completed with what it leaves out — the static assets, our server, the migration command and the
 * migrations — so the folder alone runs the site on any host with Node (README, "Deploying").
 */
async function completeStandalone(distDir: string): Promise<void> {
  const standalone = path.join(distDir, 'standalone');
  if (!existsSync(standalone)) return;
  // Next's own server.js would serve the site without ours: without the security headers and the
  // guards, and believing the client header ours always overwrites (lib/core/client-address.ts).
  await rm(path.join(standalone, 'server.js'), { force: true });
  await cp(path.join(distDir, 'static'), path.join(standalone, path.basename(distDir), 'static'), { recursive: true });
  await mkdir(path.join(standalone, '.freshpress'), { recursive: true });
  for (const file of [runtimeFiles.server, runtimeFiles.migrate, runtimeFiles.cacheHandler]) {
    await cp(file, path.join(standalone, '.freshpress', path.basename(file)));
  }
  await cp(path.join(process.cwd(), 'drizzle'), path.join(standalone, 'drizzle'), { recursive: true });
  for (const file of ['freshpress-build-start', BUILD_SITE_FILE])
    await cp(path.join(distDir, file), path.join(standalone, path.basename(distDir), file));
}

export async function build(
  env: NodeJS.ProcessEnv = process.env,
  stdio: 'inherit' | 'pipe' = 'inherit',
): Promise<{ code: number; output: string }> {
  const distDir = path.resolve(process.cwd(), config.FRESHPRESS_DIST_DIR);
  await rm(path.join(distDir, 'cache', 'fetch-cache'), { recursive: true, force: true });
  await bundleRuntime();
  const nextBin = path.join(process.cwd(), 'node_modules', 'next', 'dist', 'bin', 'next');
  // Prerendered pages are no newer than this: the page cache checks them against invalidations
  // made since, even ones made while the build ran (lib/page-cache/shared-mode.ts).
  const startedAt = Date.now();
  const result = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build'], {
      env,
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
  if (result.code === 0) {
    await writeFile(path.join(distDir, 'freshpress-build-start'), String(startedAt));
    // What its pages were rendered for, as `next build` read it from the same environment.
    await recordBuildSite(distDir, siteOf(parseEnv(env)));
    await completeStandalone(distDir);
  }
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit((await build()).code);
}
