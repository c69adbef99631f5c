import type { Cookie, Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * The shared admin password's login, done once per spec file and then carried into every browser
 * context as its cookie: logins are limited to five a minute per client, fewer than a file's tests.
 */
export class CarriedAdminSession {
  private cookies: Cookie[] = [];

  constructor(
    private readonly base: () => string,
    private readonly password: string,
  ) {}

  async loggedIn(page: Page): Promise<void> {
    const heading = page.getByRole('heading', { level: 1, name: 'Admin', exact: true });
    if (this.cookies.length > 0) {
      await page.context().addCookies(this.cookies);
      await page.goto(`${this.base()}/admin`);
      await expect(heading).toBeVisible();
      return;
    }
    await page.goto(`${this.base()}/admin/login`);
    await page.getByLabel('Password').fill(this.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(heading).toBeVisible();
    this.cookies = (await page.context().cookies()).filter((cookie) => cookie.name === 'freshpress_admin');
  }
}
