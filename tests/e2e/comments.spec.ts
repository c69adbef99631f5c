import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, snapshot, test, warm } from './support/fixtures';

test.describe('the comment form', () => {
  test.beforeEach(async ({ page }) => {
    // No script a visitor typed may ever run: any dialog fails the test.
    page.on('dialog', async (dialog) => {
      await dialog.dismiss();
      throw new Error(`a dialog opened: ${dialog.message()}`);
    });
  });

  test('with JavaScript off, posting shows the published comment in the response', async ({
    browser,
    blog,
    baseURL,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    const page = await context.newPage();
    const posts = await blog.publishedNewestFirst();
    const target = posts[7]!;
    const countBefore = await blog.publishedCommentCount(target.id);
    await page.goto(`/posts/${target.slug}`);
    const form = new CommentForm(page);
    const comment = uniqueComment('nojs');
    await form.post(comment);
    await form.expectPublished();
    await expect(page.getByTestId('comment').filter({ hasText: comment.token })).toBeVisible();
    await expect(
      page.getByRole('heading', { name: `${countBefore + 1} comment${countBefore + 1 === 1 ? '' : 's'}` }),
    ).toBeVisible();
    // What was kept for the next comment: name and e-mail, not the text.
    await expect(form.name).toHaveValue(comment.name);
    await expect(form.body).toHaveValue('');
    await context.close();
  });

  test('with JavaScript off, errors are shown next to their fields and the text is kept', async ({
    browser,
    blog,
    baseURL,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    const page = await context.newPage();
    const target = (await blog.publishedNewestFirst())[8]!;
    await page.goto(`/posts/${target.slug}`);
    const form = new CommentForm(page);
    const comment = uniqueComment('nojs-invalid');
    await form.post({ ...comment, email: 'not an address' });
    await expect(form.errorFor('email')).toHaveText('That e-mail address looks wrong.');
    await expect(form.body).toHaveValue(comment.body);
    expect(await blog.commentsByEmail(comment.email)).toEqual([]);
    await context.close();
  });

  test('invalid input gets an error beside each field, keeps what was typed, and stores nothing', async ({
    page,
    blog,
  }) => {
    const target = (await blog.publishedNewestFirst())[9]!;
    await page.goto(`/posts/${target.slug}`);
    const form = new CommentForm(page);
    await form.submit();
    await expect(form.errorFor('name')).toContainText('Please give a name');
    await expect(form.errorFor('email')).toContainText('looks wrong');
    await expect(form.errorFor('body')).toContainText('Please write a comment');
    await expect(form.name).toHaveAttribute('aria-invalid', 'true');
    await expect(form.status).toContainText('Please correct the marked fields.');

    // The browser stops typing at maxlength; a hand-made request does not, so the server checks too.
    const comment = uniqueComment('too-long');
    await form.body.evaluate((el) => el.removeAttribute('maxlength'));
    await form.name.evaluate((el) => el.removeAttribute('maxlength'));
    await form.fill({ ...comment, name: 'N'.repeat(81), body: 'x'.repeat(5001) });
    await form.submit();
    await expect(form.errorFor('name')).toHaveText('A name can have at most 80 characters.');
    await expect(form.errorFor('body')).toHaveText('A comment can have at most 5000 characters.');
    await expect(form.errorFor('email')).toHaveCount(0);
    await expect(form.body).toHaveValue('x'.repeat(5001));
    expect(await blog.commentsByEmail(comment.email)).toEqual([]);
  });

  test('HTML and script in every field is refused or shown as plain text, and never runs', async ({
    page,
    request,
    blog,
  }) => {
    const target = (await blog.publishedNewestFirst())[11]!;
    await page.goto(`/posts/${target.slug}`);
    const form = new CommentForm(page);
    const comment = uniqueComment('xss');
    const name = `<script>alert("name")</script><img src=x onerror=alert(1)>`;
    const body = `${comment.token} <script>alert("body")</script>\n\n<b>bold?</b> javascript:alert(2) https://example.com/ok`;
    await form.post({ name, email: `<script>alert(1)</script>${comment.email}`, body });
    await expect(form.errorFor('email')).toHaveText('That e-mail address looks wrong.');
    expect(await blog.commentsByEmail(comment.email)).toEqual([]);

    await form.email.fill(comment.email);
    await form.submit();
    await form.expectPublished();
    const shown = page.getByTestId('comment').filter({ hasText: comment.token });
    await expect(shown.locator('.comment-author')).toHaveText(name);
    await expect(shown).toContainText('<script>alert("body")</script>');
    await expect(shown).toContainText('<b>bold?</b>');
    const links = shown.locator('.comment-body').getByRole('link');
    await expect(links).toHaveCount(1);
    await expect(links).toHaveAttribute('href', 'https://example.com/ok');
    await expect(links).toHaveAttribute('rel', 'nofollow ugc noopener noreferrer');
    await expect(shown.locator('script, img, b')).toHaveCount(0);

    const html = (await snapshot(request, `/posts/${target.slug}`)).html;
    expect(html.includes('<script>alert('), 'raw script tag in the page').toBe(false);
    expect(html.includes('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;'), 'escaped name in the page').toBe(
      true,
    );
    expect((await blog.commentsByEmail(comment.email)).map((c) => c.status)).toEqual(['published']);
  });

  test('a bot that fills the hidden honeypot field is thanked and its comment discarded', async ({ page, blog }) => {
    const target = (await blog.publishedNewestFirst())[12]!;
    await page.goto(`/posts/${target.slug}`);
    const form = new CommentForm(page);
    const comment = uniqueComment('bot');
    await page.locator('input[name="website"]').fill('http://spam.example', { force: true });
    await form.post(comment);
    await expect(form.status).toContainText('once a moderator has approved it');
    expect(await blog.commentsByEmail(comment.email)).toEqual([]);
  });
});

test.describe('with manual moderation', () => {
  test('a held comment changes no cached page, and only its author sees it, marked as awaiting moderation', async ({
    page,
    browser,
    request,
    blog,
  }) => {
    const manual = process.env.E2E_MANUAL_URL!;
    const target = (await blog.publishedNewestFirst())[1]!;
    const postPath = `${manual}/posts/${target.slug}`;
    const watched = [`${manual}/`, postPath, `${manual}/tags/${target.tags[0]}`];
    const before = new Map<string, string | null>();
    for (const path of watched) before.set(path, (await warm(request, path)).generatedAt);

    await page.goto(postPath);
    const form = new CommentForm(page);
    const comment = uniqueComment('held');
    await form.post(comment);
    await expect(form.status).toContainText('once a moderator has approved it');
    const held = page.getByTestId('held-comment').filter({ hasText: comment.token });
    await expect(held).toContainText('Awaiting moderation — only you can see this');
    await expect(page.getByTestId('comment').filter({ hasText: comment.token })).toHaveCount(0);
    expect((await blog.commentsByEmail(comment.email)).map((c) => c.status)).toEqual(['pending']);

    for (const path of watched) {
      const now = await snapshot(request, path);
      expect(now.cache, path).toBe('HIT');
      expect(now.generatedAt, `${path} was not rebuilt`).toBe(before.get(path));
      expect(now.html.includes(comment.token), `${path} shows the held comment`).toBe(false);
    }

    // The author's browser remembers it across a reload; another visitor never sees it.
    await page.reload();
    await expect(page.getByTestId('held-comment').filter({ hasText: comment.token })).toBeVisible();
    const stranger = await browser.newPage();
    await stranger.goto(postPath);
    await expect(stranger.getByRole('heading', { name: 'Leave a comment' })).toBeVisible();
    await expect(stranger.getByText(comment.token)).toHaveCount(0);
    await stranger.close();
  });
});
