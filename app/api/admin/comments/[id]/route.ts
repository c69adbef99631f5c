import { z } from 'zod';
import { json, readJson, refuseUnlessAdmin, writeFailed } from '@/lib/admin-api';
import { parseId } from '@/lib/route-params';
import { moderateComment, removeComment } from '@/lib/comments';

const ModerationInput = z.object({ status: z.enum(['pending', 'published', 'spam']) }).strict();

export async function PATCH(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseUnlessAdmin(request);
  if (refused) return refused;
  const id = parseId((await params).id);
  if (id === null) return json({ error: 'No such comment.' }, 404);
  const input = await readJson(request, ModerationInput);
  if ('response' in input) return input.response;
  try {
    const result = await moderateComment(id, input.data.status, 'route-handler');
    return result ? json({ id, ...result, status: input.data.status }) : json({ error: 'No such comment.' }, 404);
  } catch (error) {
    return writeFailed(error, 'Moderating the comment');
  }
}

export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseUnlessAdmin(request);
  if (refused) return refused;
  const id = parseId((await params).id);
  if (id === null) return json({ error: 'No such comment.' }, 404);
  try {
    const result = await removeComment(id, 'route-handler');
    return result ? json({ id, ...result }) : json({ error: 'No such comment.' }, 404);
  } catch (error) {
    return writeFailed(error, 'Removing the comment');
  }
}
