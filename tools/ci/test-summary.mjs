#!/usr/bin/env node
// Prints the closing line CI reads, "N passed, N failed, N skipped", from vitest's JSON report, and fails when the
// report says nothing ran: an empty test run must never look green.
import { readFileSync } from 'node:fs';

const reportPath = process.argv[2];
if (!reportPath) {
  console.error('usage: test-summary.mjs <vitest-json-report>');
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed + failed === 0) {
  console.error('test-summary: no test ran');
  process.exit(1);
}
process.exit(failed > 0 || report.success === false ? 1 : 0);
