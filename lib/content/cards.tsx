import { ImageResponse } from 'next/og';
import { config } from '@/lib/core/config';
import { clipText, drawableText, TAG_PILL_EXTRA, tagsThatFit, titleFontSize } from './card-text';
import { CARD_SIZE, type CardPost } from './link-preview';

/*
 * The pictures shown beside a shared link: the site's card and each post's, drawn by Next's
 * ImageResponse (Satori, then resvg) as 1200×630 PNGs, with the font Next ships and nothing
 * fetched (./card-text.ts). Satori lays out with flexbox and inline styles only.
 */

const INK = '#1f2328';
const MUTED = '#5f6670';
const PAPER = '#fbfaf7';
const ACCENT = '#a4361f';
const ACCENT_SOFT = '#f6e8e3';

/** The drawing's width inside its margins. */
const INNER_WIDTH = CARD_SIZE.width - 2 * 80;
const FOOTER_FONT = 30;

const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * The PNG as a response whose caching Next decides. ImageResponse sets a Cache-Control of its own
 * (`public, max-age=0, must-revalidate`; @vercel/og's own would be `immutable` for a year), and
 * Next sends a route's own Cache-Control instead of the one it derives from the route's
 * `revalidate`: the server would not recognise the card as a cached page, and it would get no
 * edge keys and no lifetime at the edge (lib/edge/headers.ts). Without it, the card is sent like
 * every cached page: "revalidate every time" to browsers, its content tags to a purged edge.
 */
function cardResponse(element: React.ReactElement): Response {
  const image = new ImageResponse(element, CARD_SIZE);
  const headers = new Headers(image.headers);
  headers.delete('cache-control');
  return new Response(image.body, { status: image.status, headers });
}

function Frame({ children }: { children: React.ReactNode }) {
  return (
    <div
      style={{
        width: '100%',
        height: '100%',
        display: 'flex',
        background: PAPER,
        color: INK,
        borderTop: `20px solid ${ACCENT}`,
      }}
    >
      <div style={{ display: 'flex', flexDirection: 'column', flexGrow: 1, padding: '56px 80px 64px' }}>{children}</div>
    </div>
  );
}

function SiteName({ size }: { size: number }) {
  return (
    <div style={{ display: 'flex', fontSize: size, color: ACCENT, letterSpacing: '0.02em' }}>
      {clipText(drawableText(config.SITE_TITLE), 40)}
    </div>
  );
}

export function siteCard(): Response {
  const description = clipText(drawableText(config.SITE_DESCRIPTION), 160);
  return cardResponse(
    <Frame>
      <div style={{ display: 'flex', flexDirection: 'column', justifyContent: 'center', flexGrow: 1 }}>
        <SiteName size={96} />
        {description && (
          <div style={{ display: 'block', marginTop: 32, fontSize: 44, lineHeight: 1.3, color: MUTED, lineClamp: 3 }}>
            {description}
          </div>
        )}
      </div>
    </Frame>,
  );
}

export function postCard(post: CardPost): Response {
  const title = clipText(drawableText(post.title), 160);
  const date = longDate.format(new Date(post.publishedAt));
  const dateWidth = date.length * FOOTER_FONT * 0.52 + 28;
  const tags = tagsThatFit(post.tags, INNER_WIDTH - dateWidth, FOOTER_FONT);
  return cardResponse(
    <Frame>
      <SiteName size={34} />
      <div style={{ display: 'flex', flexGrow: 1, alignItems: 'center', overflow: 'hidden' }}>
        <div
          style={{
            display: 'block',
            fontSize: titleFontSize(title),
            lineHeight: 1.15,
            letterSpacing: '-0.01em',
            wordBreak: 'break-word',
            lineClamp: 4,
            maxHeight: 440,
            overflow: 'hidden',
          }}
        >
          {title}
        </div>
      </div>
      <div style={{ display: 'flex', alignItems: 'center', fontSize: FOOTER_FONT, color: MUTED }}>
        <div style={{ display: 'flex', marginRight: 28 }}>{date}</div>
        {tags.shown.map((name) => (
          <div
            key={name}
            style={{
              display: 'flex',
              marginRight: 14,
              padding: `4px ${(TAG_PILL_EXTRA - 14) / 2}px`,
              borderRadius: 8,
              background: ACCENT_SOFT,
              color: ACCENT,
            }}
          >
            {`#${name}`}
          </div>
        ))}
        {tags.more > 0 && <div style={{ display: 'flex' }}>{`+${tags.more}`}</div>}
      </div>
    </Frame>,
  );
}
