import type { PostListPage } from '@/lib/content/readers';
import { Pagination } from './Pagination';
import { PostList } from './PostList';

export function TagPage({ name, list }: { name: string; list: PostListPage }) {
  return (
    <>
      <h1 className="list-heading">
        Posts tagged <span className="tag-name">#{name}</span>
      </h1>
      <p className="list-count">
        {list.total === 1 ? '1 post' : `${list.total} posts`}
        {list.pageCount > 1 && `, page ${list.page} of ${list.pageCount}`}
      </p>
      <PostList posts={list.posts} />
      <Pagination basePath={`/tags/${encodeURIComponent(name)}`} page={list.page} pageCount={list.pageCount} />
    </>
  );
}
