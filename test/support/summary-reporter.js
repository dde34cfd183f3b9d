// Jest reporter: when SHOP_MLOPS_TEST_REPORT names a file, writes the run's totals there (read by .ci/run).
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.SHOP_MLOPS_TEST_REPORT;
    if (!file) return;
    const failedSuites = results.testResults.filter((s) => s.testExecError || s.failureMessage).map((s) => s.testFilePath);
    writeFileSync(file, JSON.stringify({ numPassedTests: results.numPassedTests, numFailedTests: results.numFailedTests, numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites, failedSuites }));
  }
}

module.exports = SummaryReporter;
