import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { login } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `Swagger UI browser test skipped: no Chromium at ${CHROMIUM} ` +
      '(apt-get install chromium, or set CHROMIUM_PATH).',
  );
}

/** Headless, as root, offline: no sandbox, no GPU, and nothing that phones home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Containers often mount a small /dev/shm; Chromium then crashes on larger pages.
  '--disable-dev-shm-usage',
];

describe.skipIf(!hasChromium)('Swagger UI in a real browser', () => {
  let testApp: TestApp;
  let baseUrl: string;
  let user: User;
  let browser: Browser;

  beforeAll(async () => {
    testApp = await createTestApp();
    const site = await makeSite(testApp.dataSource);
    user = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    await testApp.app.listen(0, '127.0.0.1');
    baseUrl = await testApp.app.getUrl();
    // launch() gives Chromium a fresh --user-data-dir in the temporary folder and deletes it on
    // close (it refuses one in `args`).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await testApp?.close();
  });

  /** Console errors and CSP violations the page reports while `run` is going on. */
  async function watchConsole(page: Page, run: () => Promise<void>): Promise<string[]> {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(`console: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.exposeFunction('reportCspViolation', (text: string) =>
      problems.push(`CSP: ${text}`),
    );
    // A string, because this project compiles without the DOM lib.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) =>
        window.reportCspViolation(event.violatedDirective + ' blocked ' + event.blockedURI));`,
    });
    await run();
    return problems;
  }

  it('authorises with a bearer token and executes GET /api/v1/auth/profile', async () => {
    const { token } = await login(testApp, user);
    const page = await browser.newPage();
    // Below the test timeout, so a missing element fails with a message and a screenshot.
    page.setDefaultTimeout(10_000);

    const problems = await watchConsole(page, async () => {
      try {
        await page.goto(`${baseUrl}/docs`);

        await page.locator('.scheme-container button.authorize').click();
        const dialog = page.locator('.modal-ux');
        await dialog.locator('input').first().fill(token);
        await dialog.locator('button.authorize').click();
        // Once authorised, the dialog offers "Logout" instead of "Authorize".
        await dialog.locator('button', { hasText: 'Logout' }).waitFor();
        await dialog.locator('button.btn-done').click();
        await expect.poll(() => page.locator('.modal-ux').count()).toBe(0);

        const operation = page.locator('#operations-Auth-auth_profile');
        await operation.locator('.opblock-summary').click();
        await operation.locator('button.try-out__btn').click();
        await operation.locator('button.execute').click();

        const response = operation.locator('.live-responses-table .response').first();
        await response.waitFor();
        expect(await response.locator('.response-col_status').innerText()).toBe('200');
        expect(
          await response.locator('.response-col_description pre').first().innerText(),
        ).toContain(`"email": "${user.email}"`);
      } catch (error) {
        const screenshot = join(tmpdir(), `ims-swagger-ui-${Date.now()}.png`);
        await page.screenshot({ path: screenshot, fullPage: true });
        console.error(`Swagger UI test failed; screenshot at ${screenshot}`);
        throw error;
      }
    });

    expect(problems).toEqual([]);
  });
});
