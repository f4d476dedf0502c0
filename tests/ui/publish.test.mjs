import { test } from "node:test";
import assert from "node:assert/strict";
import { canPublish, publishCommand, checkLines, resultLinks } from "../../ui/lib/publish.js";

test("only sdists and wheels can be published", () => {
  assert.equal(canPublish({ format: "wheel" }), true);
  assert.equal(canPublish({ format: "sdist" }), true);
  assert.equal(canPublish({ format: "zipapp" }), false);
  assert.equal(canPublish(null), false);
});

test("publishCommand names the repository the way the CLI takes it", () => {
  assert.equal(publishCommand("/p/dist/a-1-py3-none-any.whl", "pypi"), "gradient publish /p/dist/a-1-py3-none-any.whl");
  assert.equal(publishCommand("/p/a.whl", "testpypi"), "gradient publish /p/a.whl --repository testpypi");
  assert.equal(
    publishCommand("/my dir/a.whl", "url", "http://127.0.0.1:8080/"),
    "gradient publish '/my dir/a.whl' --repository-url http://127.0.0.1:8080/",
  );
});

test("checkLines lists files then problems, marking what stands in the way", () => {
  const lines = checkLines({
    files: [
      { file_name: "a-1.tar.gz", kind: "sdist", name: "a", version: "1", action: "refuse" },
      { file_name: "a-1-py3-none-any.whl", kind: "wheel", name: "a", version: "1", action: "skip" },
    ],
    problems: [{ file: "a-1.tar.gz", code: "P004", message: "classifier `X` is not a trove classifier" }],
  });
  assert.deepEqual(lines.map((l) => l.ok), [false, true, false]);
  assert.match(lines[1].text, /will be skipped/);
  assert.equal(lines[2].text, "a-1.tar.gz: P004 classifier `X` is not a trove classifier");
});

test("resultLinks gives each file's URL and the project page", () => {
  const links = resultLinks({
    files: [
      { file_name: "a.whl", status: "uploaded", url: "https://i/a.whl" },
      { file_name: "b.whl", status: "not-tried" },
    ],
    project_urls: ["https://pypi.org/project/a/1/"],
  });
  assert.deepEqual(links, [
    { text: "a.whl — uploaded", url: "https://i/a.whl" },
    { text: "Project page", url: "https://pypi.org/project/a/1/" },
  ]);
});
