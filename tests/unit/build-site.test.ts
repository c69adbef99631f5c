import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkBuildSite, recordBuildSite, siteOf } from '@/lib/page-cache/build-site';

const site = (settings: { SITE_URL?: string; PORT?: number; SITE_TITLE?: string; SITE_DESCRIPTION?: string }) =>
  siteOf({ PORT: 3000, SITE_TITLE: 'Freshpress', SITE_DESCRIPTION: 'Notes.', ...settings });

async function checked(built: ReturnType<typeof site>, current: ReturnType<typeof site>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshpress-build-site-'));
  try {
    await recordBuildSite(dir, built);
    return checkBuildSite(dir, current);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a build’s pages serve the site they were rendered for', async () => {
  const same = site({ SITE_URL: 'https://blog.example.com/' });
  assert.equal(same.url, 'https://blog.example.com');
  assert.deepEqual(await checked(same, site({ SITE_URL: 'https://blog.example.com' })), { usable: true, notice: null });
  // Without SITE_URL on either side both are "this host", whatever the port.
  assert.equal((await checked(site({ PORT: 3000 }), site({ PORT: 41234 }))).usable, true);
});

test('a build made for another address, title or description is not served: its pages would name the other site', async () => {
  const ci = site({});
  const production = site({ SITE_URL: 'https://blog.example.com' });
  const deployed = await checked(ci, production);
  assert.equal(deployed.usable, false);
  assert.match(deployed.notice ?? '', /SITE_URL unset → https:\/\/blog\.example\.com/);
  const unset = await checked(production, site({ PORT: 8080 }));
  assert.equal(unset.usable, false);
  assert.match(unset.notice ?? '', /without SITE_URL, links and cards name http:\/\/localhost:8080/);
  assert.equal((await checked(production, site({ SITE_URL: 'https://other.example.com' }))).usable, false);
  assert.equal((await checked(ci, site({ SITE_TITLE: 'Another blog' }))).usable, false);
  assert.equal((await checked(ci, site({ SITE_DESCRIPTION: 'Other notes.' }))).usable, false);
});

test('a build without a record (made before there was one) is served as before', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'freshpress-build-site-'));
  try {
    assert.deepEqual(checkBuildSite(dir, site({ SITE_URL: 'https://blog.example.com' })), {
      usable: true,
      notice: null,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
