import { z } from 'zod';
import { json, readJson, refuseUnlessAdmin, writeFailed } from '@/lib/admin-api';
import { CommentInput } from '@/lib/comment-input';
import { submitComment } from '@/lib/comments';
import { MAX_ID } from '@/lib/route-params';

// Imports (and the benchmark's comment storm) add comments through the same writer as the form.
const NewComment = z
  .object({
    postId: z.number().int().positive().max(MAX_ID, 'No published post has that id.'),
    authorName: CommentInput.shape.name,
    authorEmail: CommentInput.shape.email,
    body: CommentInput.shape.body,
  })
  .strict();

export async function POST(request: Request) {
  const refused = refuseUnlessAdmin(request);
  if (refused) return refused;
  const input = await readJson(request, NewComment);
  if ('response' in input) return input.response;
  try {
    const inserted = await submitComment(input.data, 'route-handler');
    return typeof inserted === 'object' ? json(inserted, 201) : json({ error: 'No published post has that id.' }, 404);
  } catch (error) {
    return writeFailed(error, 'Adding the comment');
  }
}
