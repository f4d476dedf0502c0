import { test } from "node:test";
import assert from "node:assert/strict";
import { debControlText } from "../../ui/lib/deb.js";

test("debControlText shows every control member under its name", () => {
  const text = debControlText({ control: "Package: greet\n", conffiles: ["/etc/a"], scripts: [["postinst", "#!/bin/sh\nset -e\n"]] });
  assert.equal(text, "DEBIAN/control\nPackage: greet\n\nDEBIAN/conffiles\n/etc/a\n\nDEBIAN/postinst\n#!/bin/sh\nset -e\n");
});
