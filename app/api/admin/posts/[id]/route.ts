import { json, readJson, refuseUnlessAdmin, writeFailed } from '@/lib/admin-api';
import { parseId } from '@/lib/route-params';
import { changePost, PostChangeInput } from '@/lib/posts-admin';

export async function PATCH(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseUnlessAdmin(request);
  if (refused) return refused;
  const id = parseId((await params).id);
  if (id === null) return json({ error: 'No such post.' }, 404);
  const input = await readJson(request, PostChangeInput);
  if ('response' in input) return input.response;
  try {
    const result = await changePost(id, input.data, 'route-handler');
    return result ? json(result) : json({ error: 'No such post.' }, 404);
  } catch (error) {
    return writeFailed(error, 'Changing the post');
  }
}
