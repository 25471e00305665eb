// Differential test of the browser verifier (crates/server/assets/present.js over sm.js) against
// the Rust one (crates/present: Bundle::open, Verifier::new, Verifier::verify): every case of a
// corpus the Rust side wrote (its bundle, pinned root, times, nonce, token and the Rust verdict)
// is verified again in the system Chromium, headless, with no network, and the two verdicts are
// compared: a bundle refused on both sides, or the same indication, sub-indication, list of
// checks (id, outcome, sub-indication) and disclosed fields in order.
//
//   node tests/e2e/differential.mjs CORPUS.json
//
// Prints every disagreement, `differential: N cases, M agree`, and the median and 95th
// percentile of one verification (PASSED tokens showing 5 fields) as measured in the page.
// Exits 1 on any disagreement or when the corpus has fewer than 1000 cases.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const assets = path.join(here, '../../crates/server/assets');
const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/e2e/differential.mjs CORPUS.json');
  process.exit(2);
}
const { cases } = JSON.parse(fs.readFileSync(file, 'utf8'));
const MIN_CASES = 1000;
const BATCH = 100;

// Cases name their bundle by index, so that each distinct bundle text crosses into the page once.
const bundleIndex = new Map();
const bundleTexts = [];
const prepared = cases.map((c, i) => {
  if (!bundleIndex.has(c.bundle)) {
    bundleIndex.set(c.bundle, bundleTexts.length);
    bundleTexts.push(c.bundle);
  }
  return {
    i, b: bundleIndex.get(c.bundle), root: c.root ?? null, bundle_now: c.bundle_now, now: c.now, nonce: c.nonce ?? null, token: c.token,
    bench: c.name === 'bench/5-fields',
  };
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const results = new Array(cases.length);
const pageErrors = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto('about:blank');
  await page.addScriptTag({ path: path.join(assets, 'sm.js') });
  await page.addScriptTag({ path: path.join(assets, 'present.js') });
  await page.evaluate(() => {
    window.__bundles = [];
    window.__verifiers = new Map();
  });
  const sent = new Set();
  for (let start = 0; start < prepared.length; start += BATCH) {
    const batch = prepared.slice(start, start + BATCH);
    const newBundles = [];
    for (const c of batch) {
      if (!sent.has(c.b)) {
        sent.add(c.b);
        newBundles.push([c.b, bundleTexts[c.b]]);
      }
    }
    const out = await page.evaluate(async ({ batch, newBundles }) => {
      /* global YXP */
      for (const [i, text] of newBundles) window.__bundles[i] = text;
      const b64 = (s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
      // An opened bundle and its verifier, once per (bundle, pinned root, time).
      const verifierFor = (c) => {
        const key = `${c.b}|${c.root}|${c.bundle_now}`;
        if (!window.__verifiers.has(key)) {
          window.__verifiers.set(key, (async () => {
            try {
              const bundle = await YXP.openBundle(window.__bundles[c.b], c.root === null ? null : b64(c.root), c.bundle_now);
              return { verifier: await YXP.newVerifier(bundle, c.bundle_now) };
            } catch (e) {
              return { error: String(e && e.message ? e.message : e) };
            }
          })());
        }
        return window.__verifiers.get(key);
      };
      const res = [];
      for (const c of batch) {
        const v = await verifierFor(c);
        if (v.error !== undefined) { res.push({ i: c.i, error: v.error }); continue; }
        try {
          const t0 = performance.now();
          const r = v.verifier.verify(c.token, c.now, c.nonce);
          const ms = performance.now() - t0;
          // The benchmark case: 100 more verifications of the same token, their median.
          let benchMs = null;
          if (c.bench) {
            const ts = [];
            for (let k = 0; k < 100; k++) {
              const t1 = performance.now();
              v.verifier.verify(c.token, c.now, c.nonce);
              ts.push(performance.now() - t1);
            }
            ts.sort((x, y) => x - y);
            benchMs = ts[50];
          }
          res.push({
            benchMs,
            i: c.i,
            ms,
            indication: r.indication,
            sub_indication: r.sub_indication,
            checks: r.checks.map((k) => [k.id, k.outcome, k.sub_indication]),
            reasons: r.checks.map((k) => k.reason_en),
            disclosed: r.disclosed.map((f) => [f.name, f.value]),
          });
        } catch (e) {
          res.push({ i: c.i, crash: String(e && e.stack ? e.stack : e) });
        }
      }
      return res;
    }, { batch, newBundles });
    for (const r of out) results[r.i] = r;
  }
} finally {
  await browser.close();
}

// ---- compare ----
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const norm = (x) => (x === undefined ? null : x);
let agree = 0;
const times = [];
const tally = new Map();
for (const [i, c] of cases.entries()) {
  const exp = c.expected, got = results[i];
  let why = null;
  if (!got) why = 'no result';
  else if (got.crash) why = `the page threw: ${got.crash}`;
  else if (exp.error !== undefined && exp.error !== null) {
    if (got.error === undefined) why = 'Rust refused the bundle, the page opened it';
  } else if (got.error !== undefined) why = 'the page refused the bundle, Rust opened it';
  else if (got.indication !== exp.indication || norm(got.sub_indication) !== norm(exp.sub_indication)) why = 'verdict';
  else if (!same(got.checks, exp.checks.map(([id, o, s]) => [id, o, norm(s)]))) why = 'checks';
  else if (!same(got.disclosed, exp.disclosed)) why = 'disclosed fields';
  const key = exp.error != null ? 'bundle refused' : `${exp.indication}${exp.sub_indication ? '/' + exp.sub_indication : ''}`;
  tally.set(key, (tally.get(key) || 0) + 1);
  if (why === null) {
    agree++;
    if (got.indication === 'PASSED' && got.disclosed.length === 5) times.push(got.ms);
    continue;
  }
  console.log(`MISMATCH ${c.name}: ${why}`);
  console.log('  rust:', JSON.stringify(exp));
  const { reasons, ms, benchMs: _b, i: _, ...shown } = got || {};
  console.log('  js:  ', JSON.stringify(shown));
  if (reasons) console.log('  js reasons:', JSON.stringify(reasons));
}
for (const e of pageErrors) console.log('page error:', e);
console.log('cases by Rust verdict:', JSON.stringify(Object.fromEntries([...tally].sort((a, b) => b[1] - a[1]))));
if (times.length) {
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(`verify (PASSED, 5 fields, in the page): ${times.length} tokens, median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms`);
} else {
  console.log('verify (PASSED, 5 fields, in the page): no such case');
}
const bench = results.find((r) => r && r.benchMs !== null && r.benchMs !== undefined);
if (bench) console.log(`benchmark: the 5-field token of present_sizes verified in the page (headless Chromium): median of 100 ${bench.benchMs.toFixed(2)} ms`);
console.log(`differential: ${cases.length} cases, ${agree} agree`);
if (agree !== cases.length || cases.length < MIN_CASES) {
  if (cases.length < MIN_CASES) console.log(`fewer than ${MIN_CASES} cases`);
  process.exit(1);
}
