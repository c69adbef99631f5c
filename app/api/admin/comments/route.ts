import { adminRoute, json } from '@/lib/admin/api';
import { AdminCommentInput, NO_PARENT_API } from '@/lib/comments/input';
import { submitComment } from '@/lib/comments/writers';

// Imports (and the benchmark's comment storm) add comments and replies through the same writer as the form.
export const POST = adminRoute(
  { action: 'Adding the comment', missing: 'No published post has that id.', input: AdminCommentInput },
  async ({ input }) => {
    const inserted = await submitComment(input, 'route-handler');
    if (inserted === 'no-parent') return json({ error: NO_PARENT_API, fields: { parentId: [NO_PARENT_API] } }, 422);
    return typeof inserted === 'object' ? json(inserted, 201) : null;
  },
);
