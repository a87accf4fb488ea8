/**
 * An admin's path through the console in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core) against the sandbox: sign in with a token, connect a source against the
 * emulator, run a sync and watch it finish, open a failed record's log, pin an unmatched domain
 * to an account, open an account and see its drivers and plan. A script tag in an Account name
 * stays inert. Screenshots go to test-results/console/. Under CI a missing Chromium fails.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadEnv } from '../../src/config/env.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { OpsAlerts } from '../../src/alerts/ops-alerts.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-results', 'console');
const NOW = '2026-11-20T12:00:00.000Z';
const redis = testRedis();
const prefix = uniquePrefix('console');
const dataDir = mkdtempSync(join(tmpdir(), 'tidemark-console-'));
let sandbox: Sandbox;
let browser: Browser;
let page: Page;

if (!existsSync(CHROMIUM) && process.env.CI) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
  mkdirSync(SHOTS, { recursive: true });
  const env = loadEnv({ REDIS_URL: TEST_REDIS_URL, TIDEMARK_NOW: NOW, LOG_LEVEL: 'silent' });
  sandbox = await startSandbox({ env, log: silentLogger(), dataDir, ports: { api: 0, salesforce: 0, zendesk: 0, mixpanel: 0 }, prefix, writeStateFile: false, initialRun: false, schedule: null });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright gives every launch a fresh temporary profile (it refuses --user-data-dir here).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  await dropPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('console: the admin path', () => {
  it('signs in with a token', async () => {
    await page.goto(sandbox.urls.api);
    await page.fill('#token', 'tm_admin_not-a-real-token-at-all');
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('text=that token is not valid');
    await page.fill('#token', sandbox.adminToken);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#connector-zendesk');
    expect(await page.textContent('#who')).toContain('admin');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'tm_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await shot('01-connectors');
  }, 60_000);

  it('connects Zendesk against the emulator, runs a sync and watches it finish', async () => {
    const card = page.locator('#connector-zendesk');
    await card.locator('summary').click();
    await card.locator('input[name=baseUrl]').fill(sandbox.urls.zendesk);
    await card.locator('input[name=email]').fill('sandbox@example.com');
    await card.locator('input[name=apiToken]').fill('sandbox');
    await card.locator('button[type=submit]', { hasText: 'Save credentials' }).click();
    await page.waitForSelector('#flash >> text=connection works');
    expect(await page.content()).not.toContain('value="sandbox"');
    await shot('02-zendesk-connected');
    await page.click('button:has-text("Dry run (all sources)")');
    await page.waitForURL(/#\/runs\/run-/);
    await page.waitForSelector('#run-status .status-succeeded, #run-status .status-failed', { timeout: 90_000 });
    await shot('03-run-finished');
    expect(await page.textContent('#run-status')).toContain('succeeded');
  }, 120_000);

  it("opens a failed or quarantined record's log", async () => {
    // The view renders the filter and the rows together once the API answers: wait for the render of this status.
    const logsOf = async (status: string): Promise<number> => {
      await page.goto(`${sandbox.urls.api}/#/logs?status=${status}`);
      await page.locator(`#log-filter select[name=status] option[value="${status}"]:checked`).waitFor({ state: 'attached' });
      return page.locator('a.open-log').count();
    };
    let rows = await logsOf('quarantined');
    if (rows === 0) rows = await logsOf('unmatched');
    expect(rows).toBeGreaterThan(0);
    await page.locator('a.open-log').first().click();
    await page.waitForSelector('#log-entry pre');
    await shot('04-record-log');
  }, 60_000);

  it('pins an unmatched domain to an account in one click', async () => {
    await page.goto(`${sandbox.urls.api}/#/unmatched`);
    await page.waitForSelector('h1:has-text("Unmatched records")');
    const pin = page.locator('.pin button[data-account]').first();
    expect(await pin.count()).toBeGreaterThan(0);
    await pin.click();
    await page.waitForSelector('#flash >> text=Rule saved');
    await shot('05-pinned');
    const rules = (await (await fetch(`${sandbox.urls.api}/api/rules`, { headers: { authorization: `Bearer ${sandbox.adminToken}` } })).json()) as { rules: Array<{ type: string }> };
    expect(rules.rules.some((r) => r.type === 'pin-domain')).toBe(true);
  }, 60_000);

  it('opens an account with its drivers, plan and score chart; a script tag in a name stays inert', async () => {
    const [account] = await sandbox.services.ctx.records.all('salesforce.account');
    expect(account).toBeDefined();
    const id = (account as { id: string }).id;
    await sandbox.services.ctx.records.upsert('salesforce.account', [{ ...(account as NonNullable<typeof account>), name: '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">' }]);
    await page.goto(`${sandbox.urls.api}/#/accounts/${id}`);
    await page.waitForSelector('#account-name');
    expect(await page.textContent('#account-name')).toContain('<script>');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.waitForSelector('#health');
    await page.waitForSelector('#plan');
    await page.waitForSelector('#score-chart', { timeout: 10_000 });
    await shot('06-account');
  }, 60_000);

  it('shows active RevOps alerts as a banner', async () => {
    const alerts = new OpsAlerts(sandbox.services.ctx.redis, sandbox.prefix, { log: silentLogger() });
    await alerts.raise('source:zendesk', 'error', 'zendesk stopped: Zendesk refused the credentials (HTTP 401)');
    await page.goto(`${sandbox.urls.api}/#/runs`);
    await page.waitForSelector('#alerts .alert.error');
    expect(await page.textContent('#alerts')).toContain('zendesk stopped: Zendesk refused the credentials');
    await shot('07-alert-banner');
    await alerts.clear('source:zendesk', 'zendesk syncs again');
    await page.goto(`${sandbox.urls.api}/#/connectors`);
    await page.waitForSelector('#connector-zendesk');
    expect(await page.locator('#alerts .alert').count()).toBe(0);
  }, 60_000);
});
