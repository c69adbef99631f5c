import { siteCard } from '@/lib/content/cards';
import { CARD_SIZE } from '@/lib/content/link-preview';

/*
 * The site's card, /opengraph-image: the picture of every page that is not a post. It shows only
 * the site's title and description, so it is drawn once, at build time.
 */

export const dynamic = 'force-static';
export const size = CARD_SIZE;
export const contentType = 'image/png';

export default function Image() {
  return siteCard();
}
