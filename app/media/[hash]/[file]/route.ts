import { serveMedia } from '@/lib/media/serve';

// Images are read from the store on each request, never kept in the page cache: they are not
// pages, they are cached by browsers and CDNs for a year, and an unknown address must not leave
// an entry behind.
export const dynamic = 'force-dynamic';

export async function GET(request: Request, { params }: { params: Promise<{ hash: string; file: string }> }) {
  const { hash, file } = await params;
  return serveMedia(request, hash, file);
}
