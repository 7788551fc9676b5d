/**
 * Ends the run with one plain line, "Tests: N passed, N failed", that tools reading a test log can count
 * without knowing jest's own summary format.
 */
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`;
    // jest writes its own summary after every reporter has run; this line is meant to close the log.
    process.once('exit', () => process.stdout.write(line));
  }
}

module.exports = PlainSummaryReporter;
