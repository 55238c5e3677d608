// SPDX-License-Identifier: Apache-2.0
// Playwright (playwright-core) driving Debian's chromium for
// tests/hub/hub_dashboard_browser.py: one JSON command per line on stdin,
// one JSON answer per line on stdout ({"ok": value} or {"error": text}).
// The test's logic stays in Python (it shares hubtest.py with the other hub
// tests); this only runs the browser. Commands:
//   {"op": "page"}                                -> page number
//   {"op": "goto", "page", "url"}
//   {"op": "eval", "page", "script", "args"}      script is a function body
//   {"op": "evalAsync", "page", "script", "args"} body gets a callback last
//   {"op": "fill"|"click", "page", "css", "text"?}
//   {"op": "press", "page", "key"}, {"op": "keys", "page", "text"}  keyboard
//   {"op": "screenshot", "page", "path"}
//   {"op": "close"}
// Scripts run through the DevTools protocol, not eval() in the page, so the
// page keeps its strict Content-Security-Policy (no bypassCSP).
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-dev-shm-usage',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const pages = [];
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

async function run(cmd) {
  const page = pages[cmd.page];
  const expr = (body, args, async_) => async_
    ? `new Promise((done) => (function () { ${body} }).apply(null, [...${JSON.stringify(args)}, done]))`
    : `(function () { ${body} }).apply(null, ${JSON.stringify(args)})`;
  switch (cmd.op) {
    case 'page': {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const p = await ctx.newPage();
      p.setDefaultTimeout(15000);
      pages.push(p);
      return pages.length - 1;
    }
    case 'goto':
      await page.goto(cmd.url);
      return null;
    case 'eval':
      return (await page.evaluate(expr(cmd.script, cmd.args || [], false))) ?? null;
    case 'evalAsync':
      return (await page.evaluate(expr(cmd.script, cmd.args || [], true))) ?? null;
    case 'fill':
      await page.locator(cmd.css).first().fill(cmd.text);
      return null;
    case 'click':
      await page.locator(cmd.css).first().click();
      return null;
    case 'press':
      await page.keyboard.press(cmd.key);
      return null;
    case 'keys':
      await page.keyboard.type(cmd.text);
      return null;
    case 'screenshot':
      await page.screenshot({ path: cmd.path });
      return null;
    case 'close':
      await browser.close();
      return null;
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let cmd;
  try {
    cmd = JSON.parse(line);
    out({ ok: await run(cmd) });
  } catch (e) {
    out({ error: String(e && e.message || e) });
  }
  if (cmd && cmd.op === 'close') break;
}
process.exit(0);
