import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { databaseCode } from '@/db/errors';
import { config } from '@/lib/core/config';
import { redactError } from '@/lib/core/redact';
import { parseId } from '@/lib/core/route-params';

/*
 * The admin HTTP API is off unless ADMIN_TOKEN is set; every request must carry it as a bearer
 * token. Responses are JSON with an `error` sentence on failure, never a driver message.
 */

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

/** Whether the request carries ADMIN_TOKEN as its bearer token: the admin API's check, and /api/health's for its detail. */
export function hasAdminToken(request: Request): boolean {
  if (!config.ADMIN_TOKEN) return false;
  const given = Buffer.from(request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(config.ADMIN_TOKEN);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function refuseUnlessAdmin(request: Request): Response | null {
  if (!config.ADMIN_TOKEN) return json({ error: 'The admin API is disabled: set ADMIN_TOKEN to enable it.' }, 404);
  if (!hasAdminToken(request)) return json({ error: 'Missing or wrong bearer token.' }, 401);
  return null;
}

async function readJson<T>(request: Request, schema: z.ZodType<T>): Promise<{ data: T } | { response: Response }> {
  let raw: unknown;
  try {
    raw = await request.json();
  } catch {
    return { response: json({ error: 'The request body must be JSON.' }, 400) };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return { response: json({ error: 'Invalid input.', fields: z.flattenError(parsed.error).fieldErrors }, 422) };
  return { data: parsed.data };
}

/** Maps known database refusals to a sentence; anything else is logged and reported as a 500. */
function writeFailed(error: unknown, what: string): Response {
  const code = databaseCode(error);
  if (code === '23505') return json({ error: 'Another post already uses that slug.' }, 409);
  // A PATCH can clear the date of a published post, or publish a draft with `publishedAt: null`.
  if (code === '23514') return json({ error: 'A published post needs a publication date.' }, 422);
  console.error(`[admin] ${what} failed`, redactError(error));
  return json({ error: `${what} failed; nothing was changed. See the server log.` }, 500);
}

interface AdminRouteSpec<Input> {
  /** The write, as the 500 sentence and the log name it: "Creating the post". */
  action: string;
  /** The 404 sentence, for an `[id]` that cannot name a row and for a write that found none. */
  missing: string;
  /** The JSON body's schema; a route without one reads no body here. */
  input?: z.ZodType<Input>;
  /** The route sits under `[id]`: the id is checked before the body is read or anything queried. */
  byId?: boolean;
}

/**
 * What a handler returns: its answer, or null for "no such row" (the spec's 404 sentence). A
 * route without an input schema reads its own body from `request`, if it has one (an upload).
 */
type Act<Input, Id> = (request: { input: Input; id: Id; request: Request }) => Promise<Response | null>;

type AdminHandler = (request: Request, context: { params: Promise<{ id?: string }> }) => Promise<Response>;

/**
 * The steps every admin handler shares, in the order the API has always answered them: refuse
 * without the token (401/404), refuse an id that names nothing (404), refuse a body that is not
 * JSON (400) or not valid (422), then act, mapping database refusals (409/422) and failures (500).
 */
export function adminRoute<Input = undefined>(
  spec: AdminRouteSpec<Input> & { byId: true },
  act: Act<Input, number>,
): AdminHandler;
export function adminRoute<Input = undefined>(spec: AdminRouteSpec<Input>, act: Act<Input, undefined>): AdminHandler;
// `never`: each overload fixes what the id is; the body below gives a number exactly when byId.
export function adminRoute<Input>(spec: AdminRouteSpec<Input>, act: Act<Input, never>): AdminHandler {
  const missing = () => json({ error: spec.missing }, 404);
  return async (request, context) => {
    const refused = refuseUnlessAdmin(request);
    if (refused) return refused;
    let id: number | undefined;
    if (spec.byId) {
      const parsed = parseId((await context.params).id ?? '');
      if (parsed === null) return missing();
      id = parsed;
    }
    let input = undefined as Input;
    if (spec.input) {
      const read = await readJson(request, spec.input);
      if ('response' in read) return read.response;
      input = read.data;
    }
    try {
      return (await act({ input, id: id as never, request })) ?? missing();
    } catch (error) {
      return writeFailed(error, spec.action);
    }
  };
}
