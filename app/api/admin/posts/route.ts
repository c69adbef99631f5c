import { adminRoute, json } from '@/lib/admin/api';
import { createPost, NewPostInput } from '@/lib/posts/writers';

export const POST = adminRoute(
  { action: 'Creating the post', missing: 'No such post.', input: NewPostInput },
  async ({ input }) => json(await createPost(input, 'route-handler'), 201),
);
