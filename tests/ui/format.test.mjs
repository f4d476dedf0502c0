import { test } from "node:test";
import assert from "node:assert/strict";
import { humanSize, planTotals, describeError } from "../../ui/lib/format.js";

test("humanSize uses binary units", () => {
  assert.equal(humanSize(0), "0 B");
  assert.equal(humanSize(1023), "1023 B");
  assert.equal(humanSize(1536), "1.5 KiB");
  assert.equal(humanSize(3 * 1024 * 1024), "3.0 MiB");
});

test("planTotals counts files with the right plural", () => {
  assert.equal(planTotals({ entries: [{}], total_size: 10 }), "1 file, 10 B");
  assert.equal(planTotals({ entries: [{}, {}], total_size: 2048 }), "2 files, 2.0 KiB");
});

test("describeError names file, line and field", () => {
  assert.equal(
    describeError({ file: "/p/pyproject.toml", line: 3, field: "project.version", message: "bad" }),
    "/p/pyproject.toml:3: project.version: bad",
  );
  assert.equal(describeError({ file: null, line: null, field: null, message: "no project" }), "no project");
  assert.equal(describeError("plain"), "plain");
});
