// The ops console in a real browser (Debian's Chromium through playwright-core), against the Express
// example and the fake Twilio: sign-in, health checks, a breaker opening and being reset, flags
// switching the AI provider, alerts at the top, a phone viewport and keyboard access.
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  API_TOKEN,
  CHROMIUM,
  type ConsoleHarness,
  launchChromium,
  OPS_TOKEN,
  startConsoleHarness,
} from './harness.js';

const ARTIFACTS = '.tmp/artifacts';
const DESKTOP = { width: 1280, height: 900 };

// Records CSP violations from the first script that runs in the page (injected by the browser, not
// by the page, so the page's own CSP still applies to everything it loads).
const WATCH_CSP = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`;

interface Opened {
  page: Page;
  context: BrowserContext;
  requests: string[];
  problems: string[];
}

const cell = (page: Page, provider: string, col: string) =>
  page.locator(`tr[data-provider="${provider}"] td[data-col="${col}"]`);

async function waitForText(locator: Locator, text: string | RegExp, timeout = 10_000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout });
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  'ops console in Chromium',
  { timeout: 60_000 },
  () => {
    let browser: Browser;
    let h: ConsoleHarness | undefined;
    let opened: Opened | undefined;

    beforeAll(async () => {
      const launched = await launchChromium();
      if (!launched) throw new Error('chromium missing');
      browser = launched;
      mkdirSync(ARTIFACTS, { recursive: true });
    });
    afterEach(async () => {
      if (opened) {
        // Every test ends with no CSP violation, no script error, nothing fetched from elsewhere and
        // the token in no URL and no server log line.
        const violations = await opened.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
        expect(violations).toEqual([]);
        expect(opened.problems).toEqual([]);
        for (const url of opened.requests) {
          expect(url.startsWith(`${h!.baseUrl}/`)).toBe(true);
          expect(url).not.toContain(OPS_TOKEN);
        }
        expect(h!.logs.join('\n')).not.toContain(OPS_TOKEN);
        await opened.context.close();
        opened = undefined;
      }
      await h?.close();
      h = undefined;
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function open(harness: ConsoleHarness, viewport = DESKTOP): Promise<Opened> {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        // A 401 is logged by the browser as a failed resource load: expected. Anything CSP is not.
        if (m.type() === 'error' && /security policy|refused to/i.test(m.text())) problems.push(m.text());
      });
      await page.addInitScript({ content: WATCH_CSP });
      await page.goto(harness.consoleUrl);
      opened = { page, context, requests, problems };
      return opened;
    }

    async function signIn(page: Page, token = OPS_TOKEN): Promise<void> {
      await page.getByLabel('Ops token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // With the right token, wait for the first full refresh.
      if (token === OPS_TOKEN) await waitForText(page.locator('#updated'), 'Updated');
    }

    async function runHealthChecks(page: Page): Promise<void> {
      await page.getByRole('button', { name: 'Run Health Checks' }).click();
      await waitForText(page.locator('#health-result'), 'Health checks done');
    }

    it('shows only the sign-in without a token, refuses a wrong one, and returns to it on a 401', async () => {
      h = await startConsoleHarness();
      const { page, requests } = await open(h);
      await page.locator('#signin-view').waitFor();
      expect(await page.locator('#app').isHidden()).toBe(true);
      expect(await page.locator('#run-health').isVisible()).toBe(false);
      expect(requests.some((u) => u.includes('/ops/providers'))).toBe(false);

      await signIn(page, 'not-the-ops-token');
      await waitForText(page.locator('#signin-error'), 'not accepted');
      expect(await page.locator('#app').isHidden()).toBe(true);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

      await signIn(page);
      await page.locator('#app').waitFor();
      expect(await page.locator('#signin-view').isHidden()).toBe(true);
      expect(page.url()).toBe(h.consoleUrl);
      expect(await page.evaluate(() => sessionStorage.getItem('steadycall.opsToken'))).toBe(OPS_TOKEN);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      expect(await page.getByLabel('Ops token').inputValue()).toBe('');

      // A reload keeps the tab signed in; a token the server no longer accepts signs it out.
      await page.reload();
      await page.locator('#app').waitFor();
      await page.evaluate(() => sessionStorage.setItem('steadycall.opsToken', 'revoked-token'));
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.locator('#signin-view').waitFor();
      await waitForText(page.locator('#signin-error'), 'Sign in again');
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    });

    it('runs the health checks and shows healthy / down / not_configured; a critical incident tops the page', async () => {
      h = await startConsoleHarness(); // Gemini not configured
      h.down.add('openai');
      const { page } = await open(h);
      await signIn(page);
      await page.locator('#providers-empty').waitFor();
      expect(await page.locator('#no-alerts').isVisible()).toBe(true);

      await runHealthChecks(page);
      await waitForText(cell(page, 'store', 'health'), 'healthy');
      const health = async (p: string) =>
        (await cell(page, p, 'health').locator('.badge').textContent())?.trim();
      expect(await health('twilio')).toBe('healthy');
      expect(await health('openai')).toBe('down');
      expect(await health('gemini')).toBe('not_configured');
      expect(await health('store')).toBe('healthy');
      expect(await cell(page, 'openai', 'health').textContent()).toContain('server error (HTTP 503)');
      expect(await cell(page, 'twilio', 'latency').textContent()).toMatch(/^\d+ ms$/);
      expect(await cell(page, 'twilio', 'checked').textContent()).toMatch(/^(just now|\d+ s ago)$/);
      expect(await cell(page, 'twilio', 'circuit').textContent()).toBe('closed');
      expect(await page.locator('#health-result').textContent()).toContain('openai down');

      // The runbook's "critical incident" condition is the first thing on the page.
      const alert = page.locator('#alert-list li[data-alert="Critical incident"]');
      await waitForText(alert, 'openai: provider_down');
      expect(await page.locator('#alerts').getAttribute('class')).toContain('has-alerts');
      const alertsBox = (await page.locator('#alerts').boundingBox())!;
      const providersBox = (await page.locator('#providers-title').boundingBox())!;
      expect(alertsBox.y).toBeLessThan(providersBox.y);
      expect(await page.title()).toMatch(/^\(\d+\) steadycall ops console$/);

      // Server data is text, never markup.
      await h.orchestrator.incidents.record({
        severity: 'warning',
        code: 'markup_probe',
        message: '<img src="x"><b>not bold</b>',
      });
      await waitForText(page.locator('#incident-rows tr'), '<img src="x"><b>not bold</b>');
      expect(await page.locator('#incident-rows img, #incident-rows b').count()).toBe(0);

      // Incidents, filtered by severity.
      await waitForText(page.locator('#incident-rows tr'), 'provider_down');
      await page.getByLabel('Severity').selectOption('critical');
      await page.waitForFunction(() =>
        [...document.querySelectorAll('#incident-rows tr')].every(
          (r) => r.getAttribute('data-severity') === 'critical',
        ),
      );
      expect(await page.locator('#incident-rows tr').count()).toBeGreaterThan(0);
      await page.getByLabel('Severity').selectOption('info');
      await page.waitForFunction(
        () => !document.querySelector('#incident-rows tr[data-severity="critical"]'),
      );
    });

    it('shows the Twilio breaker open with its cooldown, resets it, and force-opens another', async () => {
      h = await startConsoleHarness({ gemini: true });
      await h.orchestrator.incidents.record({
        severity: 'critical',
        code: 'ai_unavailable',
        message: 'No AI provider available: the caller heard the fallback message',
      });
      const { page } = await open(h);
      await signIn(page);
      await runHealthChecks(page);

      h.fake.faults.failAll(503);
      for (let i = 0; i < 3; i++) {
        const res = await h.api('/calls-start', {
          method: 'POST',
          json: { to: '+14155550123' },
          token: API_TOKEN,
        });
        expect(res.status).toBe(502);
      }
      // No click: the console refreshes itself and shows the open circuit.
      await waitForText(cell(page, 'twilio', 'circuit'), /^open$/);
      expect(await cell(page, 'twilio', 'failures').textContent()).toBe('3');
      expect(await cell(page, 'twilio', 'cooldown').textContent()).toMatch(/^[12] min \d+ s left$/);
      await waitForText(page.locator('#alert-list li[data-alert="Circuit open"]'), 'twilio, cooldown');
      await waitForText(page.locator('#alert-list li[data-alert="Critical incident"]'), 'ai_unavailable');
      await waitForText(page.locator('#incident-rows tr'), 'circuit_open');
      await page.screenshot({ path: `${ARTIFACTS}/ops-console.png`, fullPage: true });

      // Reset, with a confirmation that can be cancelled.
      const reset = page.getByRole('button', { name: 'Reset breaker of twilio' });
      await reset.click();
      const dialog = page.getByRole('dialog', { name: 'Reset breaker: twilio' });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(await cell(page, 'twilio', 'circuit').textContent()).toBe('open');
      await reset.click();
      await dialog.getByRole('button', { name: 'Reset breaker' }).click();
      await waitForText(cell(page, 'twilio', 'circuit'), 'closed');
      expect(await cell(page, 'twilio', 'failures').textContent()).toBe('0');
      expect(await cell(page, 'twilio', 'cooldown').textContent()).toBe('-');
      expect((await h.stores.providerStatus.get('twilio'))?.circuit).toBe('closed');
      await waitForText(page.locator('#notice'), 'Breaker of twilio reset.');

      // Force open for a number of minutes; a bad number is refused in the dialog.
      await page.getByRole('button', { name: 'Force open breaker of openai' }).click();
      const force = page.getByRole('dialog', { name: 'Force open: openai' });
      await force.getByLabel('Keep open for (minutes)').fill('0');
      await force.getByRole('button', { name: 'Force open' }).click();
      await waitForText(force.locator('#confirm-error'), 'between 1 and 10080');
      await force.getByLabel('Keep open for (minutes)').fill('5');
      await force.getByRole('button', { name: 'Force open' }).click();
      await waitForText(cell(page, 'openai', 'circuit'), /^open$/);
      expect(await cell(page, 'openai', 'cooldown').textContent()).toMatch(/^(4 min \d+ s|5 min 0 s) left$/);
      const openai = await h.stores.providerStatus.get('openai');
      expect(openai?.circuit).toBe('open');
      expect(openai!.cooldownUntil! - h.clock.now()).toBeGreaterThan(4 * 60_000);
    });

    it('switches ai.provider.preferred and the next voice webhook follows; edits a switch and a JSON flag', async () => {
      h = await startConsoleHarness({ gemini: true });
      expect(await h.voiceWebhook(`CA${'0'.repeat(31)}1`)).toContain(
        '<Parameter name="provider" value="gemini"/>',
      );
      const { page } = await open(h);
      await signIn(page);

      const preferred = page.getByLabel('ai.provider.preferred', { exact: true });
      await preferred.waitFor();
      expect(await preferred.inputValue()).toBe('gemini');
      const save = page.getByRole('button', { name: 'Save ai.provider.preferred' });
      expect(await save.isDisabled()).toBe(true);
      await preferred.selectOption('openai');
      await save.click();
      await waitForText(page.locator('#notice'), 'Flag ai.provider.preferred set to "openai".');
      const flag = (await (await h.api('/ops/flags/ai.provider.preferred')).json()) as {
        flag: { value: string };
      };
      expect(flag.flag.value).toBe('openai');
      expect(await h.voiceWebhook(`CA${'0'.repeat(31)}2`)).toContain(
        '<Parameter name="provider" value="openai"/>',
      );

      // A boolean is a switch, saved when flipped.
      const sms = page.getByRole('switch', { name: 'sms.enabled' });
      expect(await sms.isChecked()).toBe(true);
      await sms.click();
      await waitForText(page.locator('#notice'), 'Flag sms.enabled set to false.');
      expect(await h.orchestrator.flagsByKey.getValue('sms.enabled')).toBe(false);

      // A user flag is JSON: checked as JSON in the page, against its schema by the server.
      const json = page.getByLabel('calls.retry_policy', { exact: true });
      const saveJson = page.getByRole('button', { name: 'Save calls.retry_policy' });
      expect(JSON.parse(await json.inputValue())).toEqual({ attempts: 2 });
      await json.fill('{"attempts": ');
      expect(await json.getAttribute('aria-invalid')).toBe('true');
      expect(await saveJson.isDisabled()).toBe(true);
      await json.fill('{"attempts": 9}');
      await saveJson.click();
      await waitForText(page.locator('tr[data-flag="calls.retry_policy"] .field-msg'), 'Not saved:');
      expect(await h.orchestrator.flagsByKey.getValue('calls.retry_policy')).toEqual({ attempts: 2 });
      await json.fill('{"attempts": 3}');
      await saveJson.click();
      await waitForText(page.locator('tr[data-flag="calls.retry_policy"] .field-msg'), 'Saved.');
      expect(await h.orchestrator.flagsByKey.getValue('calls.retry_policy')).toEqual({ attempts: 3 });
    });

    it('fits a phone screen without horizontal scrolling, and the keyboard reaches every action', async () => {
      h = await startConsoleHarness({ gemini: true });
      await h.api('/ops/breakers/twilio/force-open', { method: 'POST', json: { forMs: 600_000 } });
      const { page } = await open(h, { width: 390, height: 844 });
      const noHorizontalScroll = () =>
        page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
      expect(await noHorizontalScroll()).toBe(true);

      // Keyboard only: type the token, submit with Enter, then Tab to the health run and press Enter.
      await page.getByLabel('Ops token').focus();
      await page.keyboard.type(OPS_TOKEN);
      await page.keyboard.press('Enter');
      await page.locator('#app').waitFor();
      await waitForText(cell(page, 'twilio', 'circuit'), /^open$/);
      const reached = new Set<string>();
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        const name = await page.evaluate(() => {
          const a = document.activeElement as HTMLElement | null;
          if (!a || a === document.body) return '';
          return (
            a.getAttribute('aria-label') ||
            (a.tagName === 'BUTTON' ? a.textContent?.trim() : a.id) ||
            a.tagName
          );
        });
        reached.add(name);
        if (name === 'Run Health Checks' && !reached.has('ran')) {
          await page.keyboard.press('Enter');
          await waitForText(page.locator('#health-result'), 'Health checks done');
          reached.add('ran');
        }
      }
      for (const name of [
        'Refresh',
        'Sign out',
        'Run Health Checks',
        'Reset breaker of twilio',
        'Force open breaker of twilio',
        'Reset breaker of store',
        'severity',
        'ran',
      ]) {
        expect(reached, name).toContain(name);
      }
      expect([...reached].some((n) => /^flag-\d+$/.test(n))).toBe(true);
      await waitForText(cell(page, 'store', 'health'), 'healthy');
      expect(await noHorizontalScroll()).toBe(true);
      await page.screenshot({ path: `${ARTIFACTS}/ops-console-phone.png`, fullPage: true });
    });
  },
);
