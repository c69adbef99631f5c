import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import { HeaderSearch } from '@/components/SearchForm';
import { siteMetadata } from '@/lib/content/link-preview';
import { config, siteUrl } from '@/lib/core/config';
import './globals.css';

// Each public page states its own link preview and canonical address (lib/content/link-preview.ts);
// these are what any other page falls back to: the site's name and card, and no canonical address.
export const metadata: Metadata = { metadataBase: new URL(siteUrl), ...siteMetadata };

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#fbfaf7' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        {/* The render marker: written when this HTML was rendered, so a cached copy keeps the time of its
            render. Operators and tests compare it across requests to see whether a page was rebuilt. */}
        <meta name="x-generated-at" content={new Date().toISOString()} />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="wrap">
            <Link href="/" className="site-title">
              {config.SITE_TITLE}
            </Link>
            <nav aria-label="Site">
              <Link href="/">Posts</Link>
              <Link href="/feed.xml">RSS</Link>
            </nav>
            <HeaderSearch />
          </div>
        </header>
        <main id="main" className="wrap">
          {children}
        </main>
        <footer className="site-footer">
          <div className="wrap">
            <p>{config.SITE_DESCRIPTION}</p>
          </div>
        </footer>
      </body>
    </html>
  );
}
