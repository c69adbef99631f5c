import { comment, get, OwnSite } from './support/site';
import { expect, test } from './support/fixtures';

/*
 * Fresh everywhere, at volume: production servers of this file's own site sharing one Redis,
 * written through one and read through the other, a thousand times. In its own file so that it
 * runs beside the heavy suites of the second lane rather than after them.
 */

const site = new OwnSite();
test.beforeAll(async () => site.open('write_through'));
test.afterAll(async () => site.close());

const startServer = () => site.start();
const publishedNewestFirst = () => site.publishedNewestFirst();
const publishedComments = (postId: number) => site.publishedComments(postId);

/** The comment count the homepage shows for a post. */
function listedCount(html: string, slug: string): number | null {
  const label = html.match(new RegExp(`href="/posts/${slug}#comments"[^>]*>([^<]+)<`))?.[1];
  if (label === undefined) return null;
  return label === 'No comments yet' ? 0 : Number(label.match(/^(\d+)/)?.[1]);
}

test('1,000 writes through one server are on the other server’s next response, post page and homepage, both ways', async () => {
  test.setTimeout(600_000);
  const [a, b] = await Promise.all([startServer(), startServer()]);
  try {
    // Ten lanes, the homepage's ten posts: writes overlap, and no post page grows past 100 comments
    // (each write renders its post page again, so with fewer posts the renders grow with the run).
    const posts = (await publishedNewestFirst()).slice(0, 10);
    const counts = await Promise.all(posts.map((post) => publishedComments(post.id)));
    const stale: string[] = [];
    const lane = async (index: number) => {
      const post = posts[index]!;
      for (let i = index; i < 1000; i += posts.length) {
        const [writer, reader] = i % 4 < 2 ? [a, b] : [b, a];
        const body = `fresh everywhere ${i}`;
        await comment(writer.base, post.id, body);
        counts[index]! += 1;
        const page = await get(reader.base, `/posts/${post.slug}`);
        if (page.status !== 200 || !page.html.includes(body)) stale.push(`#${i} post page through :${reader.port}`);
        const home = await get(reader.base, '/');
        if (listedCount(home.html, post.slug) !== counts[index]) stale.push(`#${i} homepage through :${reader.port}`);
        // Read again: both servers then hold these answers in their fast path, so the next write's
        // first read on either is a held answer that the freshness check must refuse.
        await Promise.all([a, b].map((server) => get(server.base, `/posts/${post.slug}`)));
      }
    };
    await Promise.all(posts.map((_, index) => lane(index)));
    expect(stale).toEqual([]);
    expect(await Promise.all(posts.map((post) => publishedComments(post.id)))).toEqual(counts);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
