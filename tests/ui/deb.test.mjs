import { test } from "node:test";
import assert from "node:assert/strict";
import { debControlText, debFacts } from "../../ui/lib/deb.js";
import { reportFacts } from "../../ui/lib/report.js";

const deb = {
  control: [["Package", "greet"], ["Version", "1.2.0-1"], ["Architecture", "amd64"], ["Depends", "libc6 (>= 2.34)"]],
  md5sums: { listed: 10, verified: 10, problems: 0 },
  conffiles: ["/etc/greet/greet.toml"],
  scripts: [["postinst", "#!/bin/sh\n"], ["prerm", "#!/bin/sh\n"]],
  python: { layout: "bundled", interpreter: "/usr/lib/greet/python/bin/python3.11", commands: ["/usr/bin/greet"], distributions: ["click 8.1.8"] },
};

test("debControlText shows every control member under its name", () => {
  const text = debControlText({ control: "Package: greet\n", conffiles: ["/etc/a"], scripts: [["postinst", "#!/bin/sh\nset -e\n"]] });
  assert.equal(text, "DEBIAN/control\nPackage: greet\n\nDEBIAN/conffiles\n/etc/a\n\nDEBIAN/postinst\n#!/bin/sh\nset -e\n");
});

test("an inspected package's facts: identity, md5sums, scripts, the Python inside", () => {
  const facts = new Map(debFacts(deb));
  assert.equal(facts.get("Package"), "greet 1.2.0-1 (amd64)");
  assert.equal(facts.get("md5sums"), "10 of 10 files verified, 0 problems");
  assert.equal(facts.get("Maintainer scripts"), "postinst, prerm");
  assert.match(facts.get("Python application"), /bundled layout, runs on \/usr\/lib\/greet/);
  const all = reportFacts({ kind: "deb", deb, bytecode: [], native: [], size: 1, sha256: "x" });
  assert.ok(all.some(([k]) => k === "Depends"));
});
