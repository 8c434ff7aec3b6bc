#!/usr/bin/env node
// Run by `npm test` before anything else (the "pretest" script): the browser tests need Chromium, and without
// this a machine that lacks it finds out two suites deep, minutes later. The same place the tests look:
// CHROMIUM_PATH, else /usr/bin/chromium (test/evidence-bundle-report.e2e.spec.ts).
import { accessSync, constants, statSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';

function usable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

if (!usable(chromium)) {
  const where = process.env.CHROMIUM_PATH?.trim() ? `CHROMIUM_PATH=${chromium}` : chromium;
  console.error(
    `npm test needs Chromium for the browser tests and found none at ${where}: install it (Debian/Ubuntu: sudo apt-get install chromium; elsewhere set CHROMIUM_PATH to a Chromium or Chrome executable, e.g. /Applications/Chromium.app/Contents/MacOS/Chromium after brew install --cask chromium).`,
  );
  process.exit(1);
}
