/**
 * glibc's malloc gives each thread that allocates an arena of its own, and Node's thread pool (the
 * fast path's brotli and gzip, file reads) keeps several busy: memory freed in one arena is not
 * reused by another and stays in RSS. Two arenas hold a server after the benchmark's traffic and a
 * full collection at 213–228 MB instead of 250–255 MB, the JavaScript heap the same (80 MB).
 * `npm start` sets it for the server it starts, the cluster's primary for its workers (it must be
 * in a process's environment when the process starts); a deployment that runs
 * `.freshpress/server.mjs` with one process sets it itself (README, "Deploying").
 */
export const ALLOCATOR_ENV = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
