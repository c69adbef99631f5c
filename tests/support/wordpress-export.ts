/*
 * A WordPress export (WXR 1.2) as WordPress writes one, made by the tests: two authors, published
 * posts, a draft, a pending post, a post scheduled for later, a page, a post in the trash, nested
 * and unapproved comments, categories and tags, shortcodes, a <script> and an onerror, and an
 * attachment whose address does not answer.
 */

export interface WxrComment {
  id: number;
  parent?: number;
  approved: '1' | '0' | 'spam' | 'trash';
  author: string;
  email?: string;
  content: string;
  date: string;
  type?: string;
}

export interface WxrItem {
  id: number;
  title: string;
  slug: string;
  type?: string;
  status: string;
  creator: string;
  /** GMT, "YYYY-MM-DD HH:MM:SS"; "0000-00-00 00:00:00" for a draft never dated. */
  date: string;
  content: string;
  categories?: { domain: 'category' | 'post_tag'; nicename: string; name: string }[];
  comments?: WxrComment[];
  parent?: number;
  attachmentUrl?: string;
}

const cdata = (text: string) => `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

export function wxr(site: string, items: readonly WxrItem[]): string {
  const authors = [
    { id: 1, login: 'ann', email: 'ann@old.example', name: 'Ann Archer' },
    { id: 2, login: 'bob', email: 'bob@old.example', name: 'Bob Baker' },
  ];
  return `<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>The Old Blog</title>
  <link>${site}</link>
  <description>Just another WordPress site</description>
  <language>en-US</language>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>${site}</wp:base_site_url>
  <wp:base_blog_url>${site}</wp:base_blog_url>
${authors
  .map(
    (a) =>
      `  <wp:author><wp:author_id>${a.id}</wp:author_id><wp:author_login>${cdata(a.login)}</wp:author_login><wp:author_email>${cdata(a.email)}</wp:author_email><wp:author_display_name>${cdata(a.name)}</wp:author_display_name><wp:author_first_name>${cdata('')}</wp:author_first_name><wp:author_last_name>${cdata('')}</wp:author_last_name></wp:author>`,
  )
  .join('\n')}
  <wp:category><wp:term_id>1</wp:term_id><wp:category_nicename>${cdata('uncategorized')}</wp:category_nicename><wp:category_parent>${cdata('')}</wp:category_parent><wp:cat_name>${cdata('Uncategorized')}</wp:cat_name></wp:category>
  <generator>https://wordpress.org/?v=6.4</generator>
${items.map((item) => itemXml(site, item)).join('\n')}
</channel>
</rss>
`;
}

function itemXml(site: string, item: WxrItem): string {
  return `  <item>
    <title>${cdata(item.title)}</title>
    <link>${site}/?p=${item.id}</link>
    <pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
    <dc:creator>${cdata(item.creator)}</dc:creator>
    <guid isPermaLink="false">${site}/?p=${item.id}</guid>
    <description></description>
    <content:encoded>${cdata(item.content)}</content:encoded>
    <excerpt:encoded>${cdata('')}</excerpt:encoded>
    <wp:post_id>${item.id}</wp:post_id>
    <wp:post_date>${cdata(item.date)}</wp:post_date>
    <wp:post_date_gmt>${cdata(item.date)}</wp:post_date_gmt>
    <wp:post_modified>${cdata(item.date)}</wp:post_modified>
    <wp:post_modified_gmt>${cdata(item.date)}</wp:post_modified_gmt>
    <wp:comment_status>${cdata('open')}</wp:comment_status>
    <wp:ping_status>${cdata('open')}</wp:ping_status>
    <wp:post_name>${cdata(item.slug)}</wp:post_name>
    <wp:status>${cdata(item.status)}</wp:status>
    <wp:post_parent>${item.parent ?? 0}</wp:post_parent>
    <wp:menu_order>0</wp:menu_order>
    <wp:post_type>${cdata(item.type ?? 'post')}</wp:post_type>
    <wp:post_password>${cdata('')}</wp:post_password>
    <wp:is_sticky>0</wp:is_sticky>
${item.attachmentUrl ? `    <wp:attachment_url>${cdata(item.attachmentUrl)}</wp:attachment_url>\n` : ''}${(
    item.categories ?? []
  )
    .map((c) => `    <category domain="${c.domain}" nicename="${c.nicename}">${cdata(c.name)}</category>`)
    .join('\n')}
    <wp:postmeta><wp:meta_key>${cdata('_edit_last')}</wp:meta_key><wp:meta_value>${cdata('1')}</wp:meta_value></wp:postmeta>
${(item.comments ?? [])
  .map(
    (c) => `    <wp:comment>
      <wp:comment_id>${c.id}</wp:comment_id>
      <wp:comment_author>${cdata(c.author)}</wp:comment_author>
      <wp:comment_author_email>${cdata(c.email ?? '')}</wp:comment_author_email>
      <wp:comment_author_url>${cdata('')}</wp:comment_author_url>
      <wp:comment_author_IP>${cdata('192.0.2.1')}</wp:comment_author_IP>
      <wp:comment_date>${cdata(c.date)}</wp:comment_date>
      <wp:comment_date_gmt>${cdata(c.date)}</wp:comment_date_gmt>
      <wp:comment_content>${cdata(c.content)}</wp:comment_content>
      <wp:comment_approved>${cdata(c.approved)}</wp:comment_approved>
      <wp:comment_type>${cdata(c.type ?? 'comment')}</wp:comment_type>
      <wp:comment_parent>${c.parent ?? 0}</wp:comment_parent>
      <wp:comment_user_id>0</wp:comment_user_id>
    </wp:comment>`,
  )
  .join('\n')}
  </item>`;
}

const gmt = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

/** Where the attachment says it lives: a port nothing listens on, so it never answers. */
export const UNREACHABLE_PHOTO = 'http://127.0.0.1:9/wp-content/uploads/2024/01/harbour.jpg';

/**
 * The export the tests import. Slugs carry `tag` so several runs on one database stay apart;
 * the scheduled post is due 30 days after `now`, the others
 * were written in the hours before it.
 */
export function sampleExport(site: string, tag: string, now = new Date()): string {
  const later = new Date(now.getTime() + 30 * 86_400_000);
  // Recent, so the posts are the newest on the homepage of a seeded site; whole seconds, as WordPress keeps them.
  const ago = (minutes: number) => gmt(new Date(Math.floor(now.getTime() / 60_000) * 60_000 - minutes * 60_000));
  return wxr(site, [
    {
      id: 50,
      title: 'Harbour at dawn',
      slug: 'harbour',
      type: 'attachment',
      status: 'inherit',
      creator: 'ann',
      date: ago(200),
      content: '',
      parent: 10,
      attachmentUrl: UNREACHABLE_PHOTO,
    },
    {
      id: 10,
      title: `Moving day ${tag}`,
      slug: `moving-day-${tag}`,
      status: 'publish',
      creator: 'ann',
      date: ago(120),
      content: [
        '<!-- wp:paragraph -->',
        `We finally moved the blog. Variables like snake_case_name stay as they were [sic].`,
        '<!-- /wp:paragraph -->',
        '',
        `[caption id="attachment_50" align="alignnone" width="640"]<img src="${UNREACHABLE_PHOTO}" alt="The harbour" width="640" height="480" /> The harbour at dawn[/caption]`,
        '',
        '[gallery ids="50"]',
        '',
        '[embed]https://video.example/watch?v=abc123[/embed]',
        '',
        '[audio mp3="https://old.example/files/interview.mp3"][/audio]',
        '',
        '[contact-form-7 id="4" title="Contact form"]',
        '',
        `<script>document.title = 'pwned-${tag}'</script>`,
        `<img src="${UNREACHABLE_PHOTO}" onerror="alert('onerror-${tag}')" alt="broken">`,
        '',
        'First line of a poem',
        'second line of the poem',
      ].join('\n'),
      categories: [
        { domain: 'category', nicename: 'uncategorized', name: 'Uncategorized' },
        { domain: 'category', nicename: `harbour-news-${tag}`, name: 'Harbour News' },
        { domain: 'post_tag', nicename: `%c3%a9t%c3%a9-${tag}`, name: `Été ${tag}` },
      ],
      comments: [
        {
          id: 100,
          approved: '1',
          author: 'Carol',
          email: 'carol@example.net',
          content: `Welcome to the new place, ${tag}!`,
          date: ago(110),
        },
        {
          id: 101,
          parent: 100,
          approved: '1',
          author: 'Dan',
          email: 'dan@example.net',
          content: `Thanks <b>Carol</b>, agreed ${tag}.`,
          date: ago(100),
        },
        {
          id: 102,
          parent: 101,
          approved: '1',
          author: 'Carol',
          email: 'carol@example.net',
          content: `<p>Third level ${tag}</p><script>alert(1)</script>`,
          date: ago(90),
        },
        {
          id: 103,
          approved: '0',
          author: 'Eve',
          email: 'eve@example.net',
          content: `pending-${tag}`,
          date: ago(80),
        },
        {
          id: 104,
          approved: 'spam',
          author: 'Spammer',
          email: 'spam@example.net',
          content: `spam-${tag} buy now`,
          date: ago(75),
        },
        { id: 105, approved: 'trash', author: 'Troll', content: `trash-${tag}`, date: ago(70) },
        {
          id: 106,
          parent: 103,
          approved: '1',
          author: 'Fay',
          email: 'fay@example.net',
          content: `Reply to a pending one ${tag}`,
          date: ago(60),
        },
        {
          id: 107,
          approved: '1',
          author: 'Other blog',
          content: 'Pingback',
          date: ago(50),
          type: 'pingback',
        },
      ],
    },
    {
      id: 11,
      title: `Second post ${tag}`,
      slug: `second-post-${tag}`,
      status: 'publish',
      creator: 'bob',
      date: ago(180),
      content: '<p>Bob writes with <em>explicit</em> paragraphs.</p>\n<p>And a second one.</p>',
      categories: [{ domain: 'post_tag', nicename: `%c3%a9t%c3%a9-${tag}`, name: `Été ${tag}` }],
    },
    {
      id: 12,
      title: `A draft ${tag}`,
      slug: '',
      status: 'draft',
      creator: 'ann',
      date: '0000-00-00 00:00:00',
      content: 'Not yet.',
    },
    {
      id: 14,
      title: `Waiting for review ${tag}`,
      slug: `review-${tag}`,
      status: 'pending',
      creator: 'bob',
      date: '2024-02-01 00:00:00',
      content: 'Please look.',
    },
    {
      id: 13,
      title: `Scheduled ${tag}`,
      slug: `scheduled-${tag}`,
      status: 'future',
      creator: 'ann',
      date: gmt(later),
      content: 'From the future.',
    },
    {
      id: 15,
      title: `Thrown away ${tag}`,
      slug: `thrown-${tag}`,
      status: 'trash',
      creator: 'ann',
      date: '2024-01-05 00:00:00',
      content: 'Gone.',
    },
    {
      id: 16,
      title: `Moving day again ${tag}`,
      slug: `moving-day-${tag}`,
      status: 'publish',
      creator: 'bob',
      date: ago(30),
      content: 'Same slug as the first.',
    },
    {
      id: 20,
      title: `About ${tag}`,
      slug: `about-${tag}`,
      type: 'page',
      status: 'publish',
      creator: 'ann',
      date: '2024-01-01 00:00:00',
      content: 'A page.',
    },
    {
      id: 30,
      title: 'Home',
      slug: 'home',
      type: 'nav_menu_item',
      status: 'publish',
      creator: 'ann',
      date: '2024-01-01 00:00:00',
      content: '',
    },
  ]);
}
