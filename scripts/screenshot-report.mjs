#!/usr/bin/env node
// A screenshot of a report.html in Debian's headless Chromium, for the README.
//   node scripts/screenshot-report.mjs DIR/report.html OUT.png [--width 1280] [--height 2000]
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { width: { type: 'string', default: '1280' }, height: { type: 'string', default: '0' } },
});
if (positionals.length !== 2) {
  console.error(
    'usage: node scripts/screenshot-report.mjs DIR/report.html OUT.png [--width PX] [--height PX (0: full page)]',
  );
  process.exit(2);
}
const [page, out] = positionals;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox'],
});
try {
  const tab = await browser.newPage({
    viewport: { width: Number(values.width), height: Number(values.height) || 900 },
  });
  const errors = [];
  tab.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.goto(`file://${resolve(page)}`, { waitUntil: 'load' });
  await tab.screenshot({ path: out, fullPage: Number(values.height) === 0 });
  if (errors.length > 0) {
    console.error(`console errors:\n${errors.join('\n')}`);
    process.exit(1);
  }
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
