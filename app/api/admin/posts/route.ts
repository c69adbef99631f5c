import { json, readJson, refuseUnlessAdmin, writeFailed } from '@/lib/admin-api';
import { createPost, NewPostInput } from '@/lib/posts-admin';

export async function POST(request: Request) {
  const refused = refuseUnlessAdmin(request);
  if (refused) return refused;
  const input = await readJson(request, NewPostInput);
  if ('response' in input) return input.response;
  try {
    return json(await createPost(input.data, 'route-handler'), 201);
  } catch (error) {
    return writeFailed(error, 'Creating the post');
  }
}
