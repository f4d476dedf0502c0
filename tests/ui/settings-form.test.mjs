import { test } from "node:test";
import assert from "node:assert/strict";
import { FORMS, formFromSettings, settingsFromForm, formChanged, fieldOfError } from "../../ui/lib/settings-form.js";

test("the Debian form sends its own keys only, never the service or conffiles", () => {
  const saved = {
    package: "greet",
    maintainer: "Ada <ada@example.org>",
    section: "utils",
    priority: null,
    layout: null,
    compression: "xz",
    revision: null,
    depends: ["nginx | apache2"],
    conffiles: [["/etc/greet.toml", "greet.toml"]],
    service: { command: "greet serve" },
  };
  const form = formFromSettings(FORMS.deb, saved);
  // An unset select shows its "default" option (value "").
  assert.equal(form.layout, "");
  assert.equal(form.depends, "nginx | apache2");
  assert.equal(formChanged(FORMS.deb, saved, form), false);
  const sent = settingsFromForm(FORMS.deb, { ...form, layout: "system", depends: "nginx | apache2\n curl \n" });
  assert.deepEqual(Object.keys(sent), FORMS.deb.fields);
  assert.equal(sent.layout, "system");
  assert.deepEqual(sent.depends, ["nginx | apache2", "curl"]);
  assert.equal(formChanged(FORMS.deb, saved, { ...form, section: "net" }), true);
});

test("the image form keeps ports one a line and leaves labels and env out", () => {
  const saved = { base: "debs", tag: null, push: null, user: null, workdir: null, ports: ["8000", "53/udp"], labels: { a: "b" }, env: {} };
  const form = formFromSettings(FORMS.oci, saved);
  assert.equal(form.base, "debs");
  assert.equal(form.ports, "8000\n53/udp");
  const sent = settingsFromForm(FORMS.oci, { ...form, tag: " greet:1 " });
  assert.deepEqual(Object.keys(sent), FORMS.oci.fields);
  assert.equal(sent.tag, "greet:1");
  assert.equal(formChanged(FORMS.oci, saved, form), false);
});

test("an error goes next to a field of its own form only", () => {
  assert.equal(fieldOfError(FORMS.deb, { field: "tool.gradient.deb.depends[1]" }), "depends");
  assert.equal(fieldOfError(FORMS.deb, { field: "tool.gradient.deb.layout" }), "layout");
  // The service is not in the form: shown as a general error instead.
  assert.equal(fieldOfError(FORMS.deb, { field: "tool.gradient.deb.service.user" }), null);
  assert.equal(fieldOfError(FORMS.oci, { field: "tool.gradient.oci.tag" }), "tag");
  assert.equal(fieldOfError(FORMS.oci, { field: "tool.gradient.deb.package" }), null);
  assert.equal(fieldOfError(FORMS.app, { field: "tool.gradient.oci.user" }), null);
  // No field named, or an empty table name's prefix.
  assert.equal(fieldOfError(FORMS.oci, { field: "tool.gradient.ocix.tag" }), null);
});
