import { test } from "node:test";
import assert from "node:assert/strict";
import { composition, sharePercent } from "../../ui/lib/composition.js";
import { FORMS, formFromSettings, settingsFromForm, formChanged, fieldOfError } from "../../ui/lib/settings-form.js";

const APP = FORMS.app;

const dist = (name) => ({ kind: "distribution", name });

test("composition sums each origin and puts the largest first", () => {
  const groups = composition([
    { size: 100, origin: { kind: "runtime" } },
    { size: 300, origin: { kind: "standard-library" } },
    { size: 50, origin: dist("click") },
    { size: 70, origin: dist("click") },
    { size: 20, origin: dist("rich") },
    { size: 30, origin: { kind: "application" } },
    { size: 10, origin: { kind: "shared-library" } },
    { size: 20, origin: { kind: "other" } },
  ]);
  assert.deepEqual(
    groups.map((g) => [g.label, g.size, g.files]),
    [
      ["Standard library", 300, 1],
      ["click", 120, 2],
      ["Runtime (interpreter, libpython)", 100, 1],
      ["Application code", 30, 1],
      ["Other", 20, 1],
      ["rich", 20, 1],
      ["Bundled shared libraries", 10, 1],
    ],
  );
  // The largest fills its row; shares add up to the whole.
  assert.equal(groups[0].width, 100);
  assert.equal(groups[1].width, 40);
  assert.equal(Math.round(groups.reduce((n, g) => n + g.percent, 0)), 100);
  assert.equal(groups[0].percent, 50);
});

test("composition keeps distributions of one name apart from the kinds", () => {
  // A distribution named like a kind is still a distribution.
  const groups = composition([
    { size: 5, origin: dist("runtime") },
    { size: 7, origin: { kind: "runtime" } },
  ]);
  assert.deepEqual(
    groups.map((g) => [g.kind, g.label]),
    [
      ["runtime", "Runtime (interpreter, libpython)"],
      ["distribution", "runtime"],
    ],
  );
});

test("composition is empty when nothing has an origin (not an application)", () => {
  assert.deepEqual(composition([]), []);
  assert.deepEqual(composition([{ size: 10 }, { size: 3, origin: { kind: "other" } }]), []);
});

test("sharePercent shows slivers as such", () => {
  assert.equal(sharePercent(42.123), "42.1%");
  assert.equal(sharePercent(0.04), "<0.1%");
  assert.equal(sharePercent(0), "0.0%");
});

test("the form shows lists one a line and gives back trimmed settings", () => {
  const saved = { python: null, target: "3.12-manylinux_2_28_x86_64", wheelhouse: ["w1", "w2"], index: [], lock: null, entry: "greet", shebang: null };
  const form = formFromSettings(APP, saved);
  assert.equal(form.wheelhouse, "w1\nw2");
  assert.equal(form.python, "");
  assert.deepEqual(settingsFromForm(APP, form), saved);
  assert.equal(formChanged(APP, saved, form), false);
  const edited = { ...form, entry: "  greet.cli:main ", wheelhouse: "w1\n\n  w3 \n", target: " " };
  assert.deepEqual(settingsFromForm(APP, edited), {
    ...saved,
    entry: "greet.cli:main",
    wheelhouse: ["w1", "w3"],
    target: null,
  });
  assert.equal(formChanged(APP, saved, edited), true);
  // A project without the table: every field empty.
  assert.deepEqual(formFromSettings(APP, undefined).index, "");
});

test("an error's field names the form field it belongs next to", () => {
  assert.equal(fieldOfError(APP, { field: "tool.gradient.app.wheelhouse[1]" }), "wheelhouse");
  assert.equal(fieldOfError(APP, { field: "tool.gradient.app.entry" }), "entry");
  assert.equal(fieldOfError(APP, { field: "tool.gradient.app" }), null);
  assert.equal(fieldOfError(APP, { field: "project.version" }), null);
  assert.equal(fieldOfError(APP, "no project is open"), null);
});
