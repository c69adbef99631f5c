import { expect, type Page } from '@playwright/test';

/** The comment form on a post page, as a reader sees it: by its labels and its status messages. */
export class CommentForm {
  constructor(private readonly page: Page) {}

  get region() {
    return this.page.getByRole('region', { name: 'Leave a comment' });
  }
  get name() {
    return this.region.getByLabel('Name', { exact: true });
  }
  get email() {
    return this.region.getByLabel('E-mail', { exact: true });
  }
  get body() {
    return this.region.getByLabel('Comment', { exact: true });
  }
  get status() {
    return this.region.getByRole('status');
  }

  async fill(values: { name: string; email: string; body: string }) {
    await this.name.fill(values.name);
    await this.email.fill(values.email);
    await this.body.fill(values.body);
  }

  async submit() {
    await this.region.getByRole('button', { name: 'Post comment' }).click();
  }

  async post(values: { name: string; email: string; body: string }) {
    await this.fill(values);
    await this.submit();
  }

  errorFor(field: 'name' | 'email' | 'body') {
    const label = { name: 'Name', email: 'E-mail', body: 'Comment' }[field];
    return this.region.getByLabel(label, { exact: true }).locator('xpath=..').locator('.field-error');
  }

  async expectPublished() {
    await expect(this.status).toContainText('your comment is published');
  }
}

let counter = 0;
/** Unique, recognisable comment values, so a test can find exactly its own comment anywhere. */
export function uniqueComment(label: string) {
  counter += 1;
  const token = `${label}-${Date.now().toString(36)}-${counter}`;
  return {
    name: `Tester ${counter}`,
    email: `e2e.${token}@example.test`,
    body: `Comment ${token}: caching whole pages is fine as long as invalidation is exact.`,
    token,
  };
}
