// Renders an OFD with npm's ofd.js in the system Chromium; prints the page text, checks that
// every field value appears in it and that ofd.js verified the seal; writes a PNG of the pages.
//   node render.mjs FILE.ofd FIELDS.json OUT.png   (run.sh installs what it needs)
import { chromium } from 'playwright-core';
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';

const [, , ofdPath, fieldsPath, out] = process.argv;
const here = path.dirname(fileURLToPath(import.meta.url));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 794, height: 1123 } });
const logs = [];
page.on('console', (m) => logs.push(m.text()));
page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
await page.goto('file://' + path.join(here, 'page.html'));
const r = await page.evaluate((b64) => window.render(b64), fs.readFileSync(ofdPath).toString('base64'));
await page.waitForTimeout(1000);
const text = (await page.evaluate(() => document.getElementById('out').innerText)).replace(/\s+/g, '');
await page.screenshot({ path: out, fullPage: true });
await browser.close();
let bad = 0;
if (!r.ok) { console.log('ofd.js failed:', r.error); bad++; }
for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(fieldsPath, 'utf8')))) {
  if (!text.includes(String(v).replace(/\s+/g, ''))) { console.log(`field ${k} not in the rendered text: ${v}`); bad++; }
}
const verified = logs.some((l) => l.includes('verifyRet: true'));
console.log(`${path.basename(ofdPath)}: ${r.pages} page(s), ${text.length} characters, seal verified by ofd.js: ${verified}`);
if (!verified) bad++;
process.exit(bad ? 1 : 0);
