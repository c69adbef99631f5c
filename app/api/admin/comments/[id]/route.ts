import { adminRoute, json } from '@/lib/admin/api';
import { ModerationInput } from '@/lib/comments/input';
import { moderateComment, removeComment } from '@/lib/comments/writers';

export const PATCH = adminRoute(
  { action: 'Moderating the comment', missing: 'No such comment.', input: ModerationInput, byId: true },
  async ({ input, id }) => {
    const result = await moderateComment(id, input.status, 'route-handler');
    return result && json({ id, ...result, status: input.status });
  },
);

export const DELETE = adminRoute(
  { action: 'Removing the comment', missing: 'No such comment.', byId: true },
  async ({ id }) => {
    const result = await removeComment(id, 'route-handler');
    return result && json({ id, ...result });
  },
);
