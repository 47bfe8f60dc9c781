// summary.mjs reads the result folders that the MCP conformance suite wrote
// (one per scenario, each with a checks.json) and prints one line per
// scenario and a closing "conformance: N passed, N failed, N skipped" line.
//
// It fails (exit 1) unless every generic scenario ran and passed: at least
// one SUCCESS check and no FAILURE or WARNING. The suite's own summary marks
// a scenario that only produced a WARNING (e.g. "no session ID") with a
// check mark, so this is the check that keeps such a scenario from passing
// unnoticed. Scenarios in the baseline that fail count as skipped: they need
// the suite's fixtures, which TaskPilot does not have.
//
// Usage: node summary.mjs RESULTS_DIR BASELINE_YML GENERIC_SCENARIO...
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [resultsDir, baselineFile, ...generic] = process.argv.slice(2);

// The baseline is a flat YAML list under "server:"; read its "- name" lines.
const baseline = new Set(
  readFileSync(baselineFile, "utf8")
    .split("\n")
    .map((l) => l.match(/^\s*-\s*([\w./-]+)\s*(#.*)?$/))
    .filter(Boolean)
    .map((m) => m[1]),
);

// Folder names look like server-<scenario>-2026-11-27T03-31-06-091Z.
const results = new Map();
for (const dir of readdirSync(resultsDir)) {
  const m = dir.match(/^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/);
  if (!m) continue;
  const checks = JSON.parse(readFileSync(join(resultsDir, dir, "checks.json"), "utf8"));
  const bad = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
  const ok = checks.filter((c) => c.status === "SUCCESS");
  results.set(m[1], { bad, ok });
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of generic) {
  if (!results.has(name)) {
    console.log(`FAIL  ${name}: did not run`);
    failed++;
  }
}
for (const [name, { bad, ok }] of [...results].sort()) {
  if (bad.length === 0 && ok.length > 0) {
    console.log(`ok    ${name}`);
    passed++;
  } else if (baseline.has(name) && !generic.includes(name)) {
    console.log(`skip  ${name}: needs the suite's fixtures`);
    skipped++;
  } else {
    console.log(`FAIL  ${name}`);
    for (const c of bad) {
      const why = c.errorMessage || c.details?.message || c.description;
      console.log(`        ${c.status} ${c.id}: ${why}`);
    }
    if (bad.length === 0) console.log("        no SUCCESS check");
    failed++;
  }
}
console.log(`conformance: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
