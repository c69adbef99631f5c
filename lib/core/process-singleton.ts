/*
 * One instance per process of what several bundles share. The production server (server/serve.ts,
 * bundled by esbuild), the cache handler Next loads from its own bundle, and the app's server code
 * bundled by Next are separate copies of these modules in one process: a module-scope variable
 * would exist once per copy, and each copy would open its own connection, keep its own counts or
 * its own queue. So each instance lives on globalThis under a registered symbol, made by whichever
 * copy asks first.
 */

type Holder = Record<symbol, unknown>;
const holder = globalThis as unknown as Holder;

const keyOf = (name: string) => Symbol.for(`freshpress.${name}`);

/** The process's one `name`, made by `make` on first use. */
export function processSingleton<T>(name: string, make: () => T): T {
  const key = keyOf(name);
  if (!(key in holder)) holder[key] = make();
  return holder[key] as T;
}

/** The process's `name` if it has been made, without making it (to close it at shutdown). */
export function madeProcessSingleton<T>(name: string): T | null {
  return (holder[keyOf(name)] as T | undefined) ?? null;
}

/** A place for one process-wide value that is set and cleared (a runtime started by the server). */
export interface ProcessSlot<T> {
  get(): T | null;
  set(value: T | null): void;
}

export function processSlot<T>(name: string): ProcessSlot<T> {
  const key = keyOf(name);
  return {
    get: () => (holder[key] as T | undefined) ?? null,
    set(value) {
      if (value === null) delete holder[key];
      else holder[key] = value;
    },
  };
}
