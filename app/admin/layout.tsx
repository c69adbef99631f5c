import type { Metadata } from 'next';

// Every admin page depends on who is asking and on the database as it is now: rendered per
// request, never put in the page cache, sent as private (Next's Cache-Control for dynamic pages).
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Admin', robots: { index: false, follow: false } };

export default function AdminLayout({ children }: { children: React.ReactNode }) {
  return children;
}
