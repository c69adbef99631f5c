import { Dice, mulberry32 } from '@/db/seeded-random';
/*
 * Demo content for the seed: a software engineer's blog, generated from phrase banks with a seeded
 * PRNG. Deterministic (no clock, no Math.random) so every machine seeds the same posts, and tests
 * and demo links can rely on them.
 */

export interface SeedPost {
  slug: string;
  title: string;
  body: string;
  tags: string[];
  status: 'published' | 'draft';
  publishedAt: Date | null;
  updatedAt: Date;
}

export interface SeedComment {
  postSlug: string;
  authorName: string;
  authorEmail: string;
  body: string;
  status: 'published' | 'pending' | 'spam';
  createdAt: Date;
}

export const SEED_ANCHOR = new Date('2026-10-31T18:00:00Z');

export const SEED_TAGS: readonly string[] = [
  'caching',
  'postgres',
  'typescript',
  'performance',
  'css',
  'devops',
  'testing',
  'react',
  'databases',
  'linux',
  'security',
  'design',
  'career',
  'writing',
  'networking',
  'observability',
  'rust',
  'tooling',
  'accessibility',
  'architecture',
];

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** Per tag: subjects a post can be about, tools that come up, and a code sample worth showing. */
const TOPICS: Record<string, { subjects: string[]; tools: string[]; code: { lang: string; text: string } }> = {
  caching: {
    subjects: [
      'cache invalidation',
      'stale-while-revalidate',
      'cache stampedes',
      'CDN edge caching',
      'HTTP cache headers',
      'whole-page caching',
      'write-through caches',
    ],
    tools: ['Varnish', 'Redis', 'nginx', 'a CDN', 'memcached'],
    code: {
      lang: 'http',
      text: 'Cache-Control: public, max-age=60, stale-while-revalidate=86400\nETag: "5d8c72a5edda8d6a"',
    },
  },
  postgres: {
    subjects: [
      'partial indexes',
      'VACUUM and bloat',
      'connection pooling',
      'EXPLAIN ANALYZE',
      'advisory locks',
      'logical replication',
      'row-level security',
    ],
    tools: ['PostgreSQL', 'pgbouncer', 'psql', 'pg_stat_statements', 'pgbench'],
    code: {
      lang: 'sql',
      text: "create index concurrently posts_published_idx\n  on posts (published_at desc)\n  where status = 'published';",
    },
  },
  typescript: {
    subjects: [
      'discriminated unions',
      'strict null checks',
      'branded types',
      'type-level parsing',
      'exhaustive switches',
      'generic constraints',
    ],
    tools: ['tsc', 'zod', 'the TypeScript compiler', 'tsx', 'ts-morph'],
    code: {
      lang: 'ts',
      text: "type State =\n  | { status: 'idle' }\n  | { status: 'failed'; message: string };\n\nfunction label(s: State): string {\n  switch (s.status) {\n    case 'idle': return 'Ready';\n    case 'failed': return s.message;\n  }\n}",
    },
  },
  performance: {
    subjects: [
      'tail latency',
      'flame graphs',
      'load testing',
      'cold starts',
      'memory leaks',
      'N+1 queries',
      'time to first byte',
    ],
    tools: ['wrk', 'autocannon', 'perf', 'the Chrome profiler', 'clinic.js'],
    code: { lang: 'sh', text: 'wrk -t2 -c64 -d30s --latency http://127.0.0.1:3000/\nnode --cpu-prof server.js' },
  },
  css: {
    subjects: ['container queries', 'fluid typography', 'the cascade', 'logical properties', 'CSS grid', 'dark mode'],
    tools: ['the browser devtools', 'Sass', 'PostCSS', 'Lightning CSS'],
    code: { lang: 'css', text: 'h1 {\n  font-size: clamp(1.8rem, 4vw + 1rem, 3rem);\n  text-wrap: balance;\n}' },
  },
  devops: {
    subjects: [
      'zero-downtime deploys',
      'blue-green releases',
      'configuration drift',
      'rollbacks',
      'immutable servers',
      'secrets management',
    ],
    tools: ['systemd', 'Ansible', 'a shell script', 'GitHub Actions', 'Terraform'],
    code: {
      lang: 'ini',
      text: '[Service]\nExecStart=/usr/bin/node server.js\nRestart=on-failure\nEnvironment=NODE_ENV=production',
    },
  },
  testing: {
    subjects: [
      'flaky tests',
      'end-to-end tests',
      'property-based testing',
      'test fixtures',
      'testing against a real database',
      'mutation testing',
    ],
    tools: ['Playwright', 'node:test', 'Vitest', 'fast-check', 'pytest'],
    code: {
      lang: 'ts',
      text: "test('a comment shows up without a reload', async ({ page }) => {\n  await page.getByLabel('Comment').fill('Hello');\n  await page.getByRole('button', { name: 'Post' }).click();\n  await expect(page.getByText('Hello')).toBeVisible();\n});",
    },
  },
  react: {
    subjects: [
      'server components',
      'form actions',
      'hydration errors',
      'Suspense boundaries',
      'state colocation',
      'useActionState',
    ],
    tools: ['React', 'Next.js', 'the React profiler', 'Remix'],
    code: {
      lang: 'tsx',
      text: "const [state, action, pending] = useActionState(postComment, { status: 'idle' });\nreturn <form action={action}>…</form>;",
    },
  },
  databases: {
    subjects: [
      'isolation levels',
      'schema migrations',
      'sharding',
      'foreign keys',
      'soft deletes',
      'idempotent writes',
    ],
    tools: ['SQLite', 'PostgreSQL', 'MySQL', 'DuckDB', 'an ORM'],
    code: {
      lang: 'sql',
      text: 'begin isolation level serializable;\nupdate accounts set balance = balance - 10 where id = 1;\ncommit;',
    },
  },
  linux: {
    subjects: ['file descriptors', 'the page cache', 'cgroups', 'OOM kills', 'strace', 'load averages'],
    tools: ['strace', 'htop', 'journalctl', 'lsof', 'ss'],
    code: { lang: 'sh', text: 'strace -f -e trace=network -p "$(pgrep -n node)"\nss -tanp | grep :5432' },
  },
  security: {
    subjects: [
      'content security policy',
      'password hashing',
      'CSRF',
      'XSS in user content',
      'dependency audits',
      'rate limiting',
    ],
    tools: ['argon2', 'a WAF', 'npm audit', 'OWASP ZAP'],
    code: {
      lang: 'http',
      text: "Content-Security-Policy: default-src 'self'; img-src 'self' https:; object-src 'none'",
    },
  },
  design: {
    subjects: [
      'readable line lengths',
      'error messages',
      'empty states',
      'forms people finish',
      'typographic scale',
      'progressive disclosure',
    ],
    tools: ['Figma', 'a pencil', 'paper prototypes', 'a style guide'],
    code: { lang: 'css', text: 'main {\n  max-width: 65ch;\n  line-height: 1.6;\n}' },
  },
  career: {
    subjects: ['code review', 'on-call', 'estimates', 'saying no', 'mentoring', 'staying technical as a lead'],
    tools: ['a notebook', 'a calendar', 'one-on-ones', 'a brag document'],
    code: { lang: 'text', text: 'Monday: what matters this week?\nFriday: what did I actually ship?' },
  },
  writing: {
    subjects: [
      'design documents',
      'changelogs',
      'incident write-ups',
      'README files',
      'blogging in public',
      'commit messages',
    ],
    tools: ['Markdown', 'a plain text editor', 'a style guide', 'Vale'],
    code: {
      lang: 'text',
      text: 'Fix stale homepage after comment edits\n\nThe edit path forgot to expire the comment tag.',
    },
  },
  networking: {
    subjects: [
      'TCP keep-alive',
      'DNS caching',
      'HTTP/2 multiplexing',
      'TLS handshakes',
      'load balancers',
      'connection reuse',
    ],
    tools: ['curl', 'tcpdump', 'dig', 'HAProxy', 'mtr'],
    code: {
      lang: 'sh',
      text: 'curl -s -o /dev/null -w "%{time_connect} %{time_starttransfer}\\n" https://example.org/',
    },
  },
  observability: {
    subjects: [
      'structured logging',
      'RED metrics',
      'distributed tracing',
      'alert fatigue',
      'SLOs',
      'dashboards people read',
    ],
    tools: ['OpenTelemetry', 'Prometheus', 'Grafana', 'a log shipper'],
    code: {
      lang: 'promql',
      text: 'sum(rate(http_requests_total{status=~"5.."}[5m]))\n  / sum(rate(http_requests_total[5m]))',
    },
  },
  rust: {
    subjects: [
      'the borrow checker',
      'error handling with Result',
      'async runtimes',
      'zero-cost abstractions',
      'unsafe code',
      'cargo workspaces',
    ],
    tools: ['cargo', 'clippy', 'tokio', 'serde'],
    code: {
      lang: 'rust',
      text: 'fn parse_port(s: &str) -> Result<u16, std::num::ParseIntError> {\n    s.trim().parse::<u16>()\n}',
    },
  },
  tooling: {
    subjects: ['build caches', 'monorepos', 'linters', 'editor setups', 'lock files', 'reproducible builds'],
    tools: ['make', 'esbuild', 'ESLint', 'Turbopack', 'git bisect'],
    code: { lang: 'sh', text: 'git bisect start HEAD v1.4.0\ngit bisect run npm test' },
  },
  accessibility: {
    subjects: [
      'focus management',
      'accessible forms',
      'screen reader testing',
      'colour contrast',
      'keyboard navigation',
      'live regions',
    ],
    tools: ['VoiceOver', 'NVDA', 'axe', 'the accessibility tree'],
    code: {
      lang: 'html',
      text: '<label for="email">E-mail</label>\n<input id="email" aria-describedby="email-hint">\n<p id="email-hint">Never published.</p>',
    },
  },
  architecture: {
    subjects: [
      'boring technology',
      'monoliths',
      'event-driven systems',
      'module boundaries',
      'back-pressure',
      'the cost of microservices',
    ],
    tools: ['a queue', 'a single database', 'feature flags', 'a modular monolith'],
    code: {
      lang: 'text',
      text: 'request → cache? → render → store (tagged) → respond\nwrite → commit → expire tags → next request rebuilds',
    },
  },
};

const TITLE_TEMPLATES = [
  'What I learned about {subject}',
  '{Subject} in practice',
  'A field guide to {subject}',
  'Why {subject} is harder than it looks',
  'Three lessons from a year of {subject}',
  'Notes on {subject}',
  'Debugging {subject} at two in the morning',
  'The quiet cost of {subject}',
  '{Subject}, revisited',
  'Getting {subject} right with {tool}',
  'I was wrong about {subject}',
  'A short defence of {subject}',
  '{Subject} without the hype',
  'How we stopped worrying about {subject}',
  'The one thing nobody tells you about {subject}',
  'Small steps toward better {subject}',
];

const OPENERS = [
  'Every few months someone asks me about {subject}, and every time my answer is a little different. This post is an attempt to write down the current version before it changes again.',
  'I spent most of last week on {subject}. It started as a small ticket and ended with a whiteboard covered in arrows, so it seems worth writing up.',
  'There is a version of {subject} that looks simple in a conference talk and a different one that shows up in production at the worst possible moment. This is about the second one.',
  'For a long time I treated {subject} as somebody else’s problem. Then it became mine, on a Friday afternoon, with {tool} as my only friend.',
  'This started as a reply to a colleague and grew too long for chat. It is about {subject}, and about why I changed my mind on it.',
  'If you have ever stared at a dashboard wondering why {subject} behaves the way it does, this one is for you.',
  'A reader wrote in asking how I approach {subject} on small teams. The honest answer is “carefully, and with {tool}”, but that deserves more than a sentence.',
  'I keep a file of things I wish I had known earlier. The section on {subject} got long enough to become a post.',
];

const PARAGRAPHS = [
  'The first thing to notice is that {subject} is rarely the problem on its own. It is usually {related} wearing a disguise, and the fix only sticks once you see both.',
  'We measured before changing anything. The baseline was worse than anyone expected: roughly {number} percent of requests paid for work that a previous request had already done.',
  'My rule of thumb is simple: make the common path boring and the rare path obvious. With {subject}, the common path is the one you test least, which is exactly backwards.',
  'The documentation for {tool} is good, but it describes what each knob does, not which knob you need. That gap is where most of my mistakes came from.',
  'It helps to write down what “correct” means before arguing about speed. For us it meant that a reader never sees a page older than the last change they made themselves.',
  'Once we had numbers, the discussion changed tone. Nobody argues with a graph that drops off a cliff at {number} concurrent users.',
  'There is a trade-off here and it is worth naming: every layer of {subject} you add is one more place where an answer can be stale, wrong, or both.',
  'I tried three approaches. The first was clever, the second was fast, and the third was the one we could explain to a new colleague in five minutes. We shipped the third.',
  'The surprising part was how little code the final version needed. Most of the work was deleting things that had been added “just in case”.',
  'A useful exercise is to ask what happens when {tool} is slow rather than down. Down is easy to detect; slow quietly eats your latency budget one request at a time.',
  'We kept a log of every incident related to {subject} for six months. The pattern was obvious in hindsight: almost all of them began with a change that looked harmless in review.',
  'People often ask whether {related} matters at small scale. It does, but not for the reasons they expect: it matters because it shapes the habits you carry into large scale.',
  'None of this is new. The ideas behind {subject} are decades old; what changes is which mistakes are cheap to make with today’s tools.',
  'The metric that finally convinced the team was not throughput but the number of times a week someone said “just refresh the page”. We got it to zero.',
  'I am wary of advice that starts with “always”. With {subject}, the honest answer is usually “it depends on how often the data changes and who is waiting for it”.',
  'A small test harness paid for itself within a day. It ran the same {number} requests against each variant and printed a table, and that table settled more arguments than any meeting.',
  'If I had to compress this into one sentence: treat {subject} as part of your data model, not as a layer you bolt on afterwards.',
  'The failure mode we feared never happened. The one we did not think about happened twice in the first week, which is roughly how these things go.',
  'There is a social side to this as well. A change to {subject} touches everyone who debugs production, so it deserves a short note in the team channel and a line in the changelog.',
  'We also learned to distrust averages. The mean looked healthy while the p99 told a very different story, and the p99 is what your unluckiest reader actually experiences.',
  'Reading the source of {tool} was more useful than any blog post, this one included. It took an afternoon and answered questions I had been guessing about for months.',
  'The migration itself took {number} small pull requests. Each one was safe to deploy on its own, which meant we never had to schedule a maintenance window.',
  'One detail that matters more than it should: naming. When the pieces of {subject} have clear names, people can reason about them in conversation, and most bugs die in conversation.',
  'I expected pushback on the extra complexity. Instead the pushback was on the old behaviour, which everyone had quietly been working around for years.',
  'What surprised me most was how much {related} improved as a side effect. Fixing one thing properly tends to pay for the next thing too.',
  'It is tempting to reach for a bigger machine. Sometimes that is the right call, but it hides the shape of the problem, and the problem comes back at the next order of magnitude.',
  'The version we run today is less general than the first draft and far easier to operate. I have made peace with that trade.',
  'When something goes wrong with {subject}, the first question I ask now is “what changed, and what depends on it?” Most of the time the answer points straight at the bug.',
  'We wrote the runbook before we needed it. It is three paragraphs long and it has saved at least two weekends so far.',
  'A colleague put it well: the goal is not to avoid work, it is to avoid doing the same work twice for no reason. That framing made {subject} much easier to discuss.',
  'If you only take one thing from this post, make it this: measure the thing you care about from the reader’s side, not from inside the server.',
  'The long tail is where the interesting bugs live. Ours appeared only on pages with more than {number} comments, which is exactly why it survived testing.',
  'Tooling matters less than feedback loops. {Tool} is fine, but the real win was being able to see the effect of a change within seconds instead of days.',
  'I still get {subject} wrong sometimes. The difference now is that the mistakes are smaller, cheaper, and caught by a test before anyone else sees them.',
  'It is worth asking what your readers would notice if {subject} disappeared tomorrow. If the answer is “nothing”, you may be maintaining it for yourself.',
  'The numbers after the change were almost boring: fewer rebuilds, flatter latency, quieter alerts. Boring is the goal.',
];

const HEADINGS = [
  'Where it started',
  'What we measured',
  'The first attempt',
  'What actually worked',
  'Trade-offs',
  'What I would do differently',
  'A closer look',
  'The numbers',
  'Things that surprised me',
  'In production',
  'The boring fix',
  'Open questions',
  'Lessons',
];

const LIST_INTROS = [
  'A short checklist I now use:',
  'What made the difference, in order of impact:',
  'Things worth checking first:',
  'The steps, roughly:',
];
const LIST_ITEMS = [
  'Write down what “fresh enough” means for each page.',
  'Measure the baseline before touching anything.',
  'Name every dependency explicitly.',
  'Make invalidation happen after the transaction commits.',
  'Test with a real database, not a mock.',
  'Keep the hot path free of network calls.',
  'Log the cause of every rebuild, not just the count.',
  'Prefer one clear mechanism over three clever ones.',
  'Check the p99, not the average.',
  'Read the source of the tool you depend on.',
  'Automate the rollback before you need it.',
  'Leave a note for whoever debugs this next.',
  'Keep the feedback loop under a minute.',
  'Delete the code path nobody uses.',
];

const QUOTES = [
  'There are only two hard things in computer science: cache invalidation and naming things.',
  'Make it work, make it right, make it fast — in that order.',
  'Premature optimisation is the root of all evil, but so is never measuring anything.',
  'Simple things should be simple; complex things should be possible.',
  'The best code is the code you did not have to write.',
  'You cannot improve what you do not measure.',
];

const CLOSERS = [
  'That is where things stand for now. If you have solved {subject} differently, I would love to hear how — the comments are open.',
  'I will probably revisit this in a year and disagree with half of it. That is fine; that is what a blog is for.',
  'Thanks to everyone who read drafts of this. Any mistakes that remain are mine.',
  'Next time I want to write about {related}, which turned out to be the other half of this story.',
  'If this saved you an afternoon, it did its job. If it cost you one, tell me where it went wrong.',
];

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Guido',
  'Hedy',
  'Brian',
  'Katherine',
  'Niklaus',
  'Sophie',
  'Tim',
  'Annie',
  'Donald',
  'Joan',
  'Bjarne',
  'Karen',
  'John',
  'Lynn',
  'Rob',
  'Mary',
  'Yukihiro',
  'Evelyn',
  'James',
  'Shafi',
  'Leslie',
  'Carol',
  'Ivan',
  'Jean',
  'Anders',
  'Rosa',
  'Mateo',
  'Priya',
  'Kenji',
  'Amara',
  'Lars',
  'Ines',
  'Omar',
  'Chen',
  'Noor',
  'Tomas',
  'Aisha',
  'Felix',
  'Yara',
];
const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'van Rossum',
  'Lamarr',
  'Kernighan',
  'Johnson',
  'Wirth',
  'Wilson',
  'Berners-Lee',
  'Easley',
  'Knuth',
  'Clarke',
  'Stroustrup',
  'Jones',
  'McCarthy',
  'Conway',
  'Pike',
  'Keller',
  'Matsumoto',
  'Boyd',
  'Gosling',
  'Goldwasser',
  'Lamport',
  'Shaw',
  'Sutherland',
  'Sammet',
  'Hejlsberg',
  'Okafor',
  'Silva',
  'Raman',
  'Sato',
  'Mensah',
  'Nilsson',
  'Ferreira',
  'Haddad',
  'Wei',
  'Rahman',
  'Novak',
  'Bello',
  'Wagner',
  'Costa',
];
const HANDLES = [
  'nullpointer',
  'tabs_not_spaces',
  'k8s_wrangler',
  'coffee_driven',
  'rubberduck',
  'segfault_sam',
  'yak_shaver',
  'offbyone',
  'the_real_dba',
  'latency_hunter',
  'cssweaver',
  'pgfan',
];

const COMMENT_OPENERS = [
  'Great write-up, thank you.',
  'This matches my experience almost exactly.',
  'I have to disagree a little here.',
  'Bookmarked.',
  'Quick question about this.',
  'We hit the same problem last month.',
  'Thanks for writing this up so clearly.',
  'Interesting take.',
  'Long-time reader, first comment.',
  'This is the post I wish I had read a year ago.',
  'Nice one.',
  'Hmm, I am not convinced.',
];
const COMMENT_MIDDLES = [
  'We tried something similar with {tool} and the hardest part was exactly {subject}.',
  'How do you handle {subject} when two writes land at the same time?',
  'In our case the bottleneck turned out to be {related}, not {subject}, which took us far too long to notice.',
  'Did you measure what happened to the p99 after the change? The averages always look fine for us.',
  'I think the point about measuring from the reader’s side is underrated. We only found our worst bug that way.',
  'We wrote a longer post about our version of this: https://example.com/blog/{slug}',
  'Would you still choose {tool} today, or is there something better now?',
  'The section on trade-offs is the important part. Most teams skip it and regret it later.',
  'One small correction: {tool} changed its default behaviour in the last major release, so the second example may surprise people.',
  'I shared this with my team and it started a very good discussion about {subject}.',
  'This is why I keep telling people to read the source. Documentation only gets you so far.',
  'Any chance of a follow-up on {related}? It feels like the other half of the story.',
  'Same experience here: the boring fix won. It always seems to.',
  'For anyone reading later, the relevant docs are at https://example.org/docs/{slug} and they are worth the time.',
];
const COMMENT_CLOSERS = [
  'Thanks again!',
  'Keep writing.',
  'Curious what you think.',
  'Cheers.',
  '',
  '',
  'Looking forward to the next one.',
  'Anyway, great post.',
];
const SPAM = [
  'Great post!!! Visit https://cheap-pills.example.net for the best deals on everything, 90% off today only!!!',
  'I made $5000 this week working from home, click https://get-rich.example.net now to learn how',
  'nice article. buy followers at https://followers.example.net cheap and fast',
  'SEO services, first page of Google guaranteed: https://seo-magic.example.net',
];

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function fill(template: string, slots: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const lower = key.toLowerCase();
    const value = slots[lower] ?? `{${key}}`;
    return key === lower ? value : capitalise(value);
  });
}

function slugify(title: string): string {
  return title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

function buildBody(dice: Dice, tag: string, subject: string, related: string): string {
  const topic = TOPICS[tag]!;
  const slots = () => ({
    subject,
    related,
    tool: dice.pick(topic.tools),
    number: String(dice.pick([3, 7, 12, 18, 25, 40, 64, 100, 250, 1000])),
  });
  const paragraphs = dice.sample(PARAGRAPHS, 14);
  const headings = dice.sample(HEADINGS, 4);
  const blocks: string[] = [fill(dice.pick(OPENERS), slots())];
  const sections = dice.int(2, 4);
  let used = 0;
  for (let s = 0; s < sections; s++) {
    blocks.push(`## ${headings[s]!}`);
    const count = dice.int(2, 4);
    for (let p = 0; p < count && used < paragraphs.length; p++, used++) {
      let text = fill(paragraphs[used]!, slots());
      if (dice.chance(0.25)) text = text.replace(subject, `\`${subject}\``);
      blocks.push(text);
    }
    if (s === 0 && dice.chance(0.45)) {
      blocks.push(dice.pick(LIST_INTROS));
      blocks.push(
        dice
          .sample(LIST_ITEMS, dice.int(3, 5))
          .map((item) => `- ${item}`)
          .join('\n'),
      );
    }
    if (s === sections - 1 && dice.chance(0.5)) blocks.push(`\`\`\`${topic.code.lang}\n${topic.code.text}\n\`\`\``);
    if (dice.chance(0.2)) blocks.push(`> ${dice.pick(QUOTES)}`);
  }
  if (dice.chance(0.5)) {
    blocks.push(
      `There is more background in [this overview of ${related}](https://example.org/reading/${slugify(related)}), which I keep coming back to.`,
    );
  }
  blocks.push(fill(dice.pick(CLOSERS), slots()));
  return blocks.join('\n\n');
}

function buildComment(dice: Dice, tag: string, subject: string, related: string, slug: string): string {
  const topic = TOPICS[tag]!;
  const slots = { subject, related, tool: dice.pick(topic.tools), slug: slug.slice(0, 30) };
  const parts = [dice.pick(COMMENT_OPENERS), fill(dice.pick(COMMENT_MIDDLES), slots)];
  if (dice.chance(0.35)) parts.push(fill(dice.pick(COMMENT_MIDDLES), slots));
  const closer = dice.pick(COMMENT_CLOSERS);
  if (closer) parts.push(closer);
  // Short comments read as one paragraph; longer ones break after the opener.
  return parts.length > 3 ? `${parts[0]} ${parts[1]}\n\n${parts.slice(2).join(' ')}` : parts.join(' ');
}

interface Commenter {
  name: string;
  email: string;
  weight: number;
}

function buildCommenters(dice: Dice): Commenter[] {
  const seen = new Set<string>();
  const people: Commenter[] = [];
  while (people.length < 400) {
    const handle = dice.chance(0.06);
    const name = handle
      ? `${dice.pick(HANDLES)}${dice.int(1, 99)}`
      : `${dice.pick(FIRST_NAMES)} ${dice.pick(LAST_NAMES)}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const local = name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '.')
      .replace(/^\.|\.$/g, '');
    // A few regulars write most comments, as on any blog.
    people.push({
      name,
      email: `${local}@example.${dice.pick(['com', 'org', 'net'])}`,
      weight: people.length < 25 ? 12 : 1,
    });
  }
  return people;
}

export function generateSeedContent(): { tags: readonly string[]; posts: SeedPost[]; comments: SeedComment[] } {
  const dice = new Dice(mulberry32(20261031));
  const start = SEED_ANCHOR.getTime() - 3 * 365 * DAY;

  // Irregular gaps, scaled to span three years exactly, then snapped to plausible writing hours.
  const gaps = Array.from({ length: 194 }, () => 0.2 + dice.float() ** 2 * 3);
  const scale = (SEED_ANCHOR.getTime() - start) / gaps.reduce((a, b) => a + b, 0);
  let cursor = start;
  const publishTimes = gaps.map((gap, i) => {
    cursor += gap * scale;
    if (i === gaps.length - 1) return SEED_ANCHOR.getTime();
    const day = Math.floor(cursor / DAY) * DAY;
    return day + dice.int(7, 22) * HOUR + dice.int(0, 59) * 60 * 1000 + i * 1000;
  });

  const usedTitles = new Set<string>();
  const usedSlugs = new Set<string>();
  const posts: (SeedPost & { mainTag: string; subject: string; related: string })[] = [];
  for (let i = 0; i < 200; i++) {
    // Round-robin on the main tag keeps every tag well used; extra tags add variety.
    const mainTag = SEED_TAGS[i % SEED_TAGS.length]!;
    const topic = TOPICS[mainTag]!;
    let title = '';
    let subject = '';
    for (
      let attempt = 0;
      attempt < 200 && (title === '' || usedTitles.has(title) || usedSlugs.has(slugify(title)));
      attempt++
    ) {
      subject = dice.pick(topic.subjects);
      title = fill(dice.pick(TITLE_TEMPLATES), { subject, tool: dice.pick(topic.tools) });
    }
    if (usedTitles.has(title)) throw new Error('seed: ran out of unique titles');
    usedTitles.add(title);
    const slug = slugify(title);
    usedSlugs.add(slug);
    const related = dice.pick(topic.subjects.filter((s) => s !== subject));
    const extra = dice.sample(
      SEED_TAGS.filter((t) => t !== mainTag),
      dice.int(0, 3),
    );
    const draft = i % 33 === 32 && posts.filter((p) => p.status === 'draft').length < 6;
    posts.push({
      slug,
      title,
      body: buildBody(dice, mainTag, subject, related),
      tags: [mainTag, ...extra],
      status: draft ? 'draft' : 'published',
      publishedAt: null,
      updatedAt: SEED_ANCHOR,
      mainTag,
      subject,
      related,
    });
  }
  const drafts = posts.filter((p) => p.status === 'draft');
  for (const post of posts.filter((p) => p.status === 'published').slice(0, 6 - drafts.length)) post.status = 'draft';
  const published = posts.filter((p) => p.status === 'published');
  published.forEach((post, index) => {
    const at = publishTimes[index]!;
    post.publishedAt = new Date(at);
    // About one post in five was edited days after it went out.
    post.updatedAt = new Date(dice.chance(0.2) ? Math.min(at + dice.int(1, 20) * DAY, SEED_ANCHOR.getTime()) : at);
  });
  for (const post of posts.filter((p) => p.status === 'draft'))
    post.updatedAt = new Date(SEED_ANCHOR.getTime() - dice.int(1, 30) * DAY);

  const commenters = buildCommenters(dice);
  const weighted = commenters.flatMap((person) => Array.from({ length: person.weight }, () => person));
  const newestFirst = [...published].sort((a, b) => b.publishedAt!.getTime() - a.publishedAt!.getTime());
  const plan = new Map<string, number>();
  for (const post of published) plan.set(post.slug, dice.chance(0.15) ? 0 : dice.int(2, 28));
  // A handful of popular posts, one of them well off the homepage.
  const popular = [newestFirst[1]!, newestFirst[14]!, newestFirst[40]!, newestFirst[90]!, newestFirst[150]!];
  popular.forEach((post, i) => plan.set(post.slug, [190, 150, 120, 100, 85][i]!));
  plan.set(newestFirst[0]!.slug, 0);
  plan.set(newestFirst[4]!.slug, 0);
  plan.set(newestFirst[2]!.slug, 12);
  plan.set(newestFirst[3]!.slug, 6);

  const comments: SeedComment[] = [];
  for (const post of newestFirst) {
    const count = plan.get(post.slug) ?? 0;
    const published = post.publishedAt!.getTime();
    const window = Math.max(HOUR, SEED_ANCHOR.getTime() - published);
    const times = Array.from(
      { length: count },
      () => published + Math.min(window, 21 * DAY * dice.float() ** 3 + HOUR * dice.float()),
    )
      .map((t, i) => Math.floor(t) + i)
      .sort((a, b) => a - b);
    for (const time of times) {
      const roll = dice.float();
      const status = roll < 0.92 ? 'published' : roll < 0.97 ? 'pending' : 'spam';
      const author =
        status === 'spam'
          ? { name: `${dice.pick(HANDLES)}_deals`, email: `offers${dice.int(100, 999)}@spam.example.net` }
          : dice.pick(weighted);
      comments.push({
        postSlug: post.slug,
        authorName: author.name,
        authorEmail: author.email,
        body:
          status === 'spam' ? dice.pick(SPAM) : buildComment(dice, post.mainTag, post.subject, post.related, post.slug),
        status,
        createdAt: new Date(Math.min(time, SEED_ANCHOR.getTime() + 2 * HOUR)),
      });
    }
  }

  return {
    tags: SEED_TAGS,
    posts: posts.map(({ mainTag: _m, subject: _s, related: _r, ...post }) => post),
    comments,
  };
}

/** The phrase banks, for the database grower (db/grow.ts): archive posts written in the same voice. */
export const SEED_PHRASES = {
  topics: TOPICS,
  titleTemplates: TITLE_TEMPLATES,
  openers: OPENERS,
  paragraphs: PARAGRAPHS,
  headings: HEADINGS,
  listIntros: LIST_INTROS,
  listItems: LIST_ITEMS,
  quotes: QUOTES,
  closers: CLOSERS,
  firstNames: FIRST_NAMES,
  lastNames: LAST_NAMES,
  handles: HANDLES,
  commentOpeners: COMMENT_OPENERS,
  commentMiddles: COMMENT_MIDDLES,
  commentClosers: COMMENT_CLOSERS,
} as const;
