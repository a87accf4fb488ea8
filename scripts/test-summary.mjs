// Prints the closing line "N passed, N failed" from vitest's JSON report; exit 1 when none ran.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
if (!existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`no vitest report at ${file}: the test run did not complete`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
// numFailedTestSuites also counts the describe blocks of failing tests; it only adds failures
// when a file failed to load (no test of it ran).
const failedTests = report.numFailedTests ?? 0;
const failed = failedTests + (failedTests === 0 ? (report.numFailedTestSuites ?? 0) : 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failedTests === 0 && report.numFailedTestSuites > 0) console.error(`${report.numFailedTestSuites} test suites failed to run`);
process.exit(passed > 0 && failed === 0 ? 0 : 1);
