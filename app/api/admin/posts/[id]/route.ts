import { adminRoute, json } from '@/lib/admin/api';
import { changePost, PostChangeInput } from '@/lib/posts/writers';

export const PATCH = adminRoute(
  { action: 'Changing the post', missing: 'No such post.', input: PostChangeInput, byId: true },
  async ({ input, id }) => {
    const result = await changePost(id, input, 'route-handler');
    return result && json(result);
  },
);
