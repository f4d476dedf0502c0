// The settings forms of the "Preview & build" tab, one per table of
// pyproject.toml the studio edits: between the settings the engine reads
// and the form's text fields (selects included). Lists are one item a
// line; an empty field means "not set". Keys the form does not show (the
// deb `service`, the oci `labels`) are never sent, so the engine keeps them.

/** Each form: the table it saves, the command that saves it, the formats
 *  it is shown for, its fields in order (those in `lists` are lists), and
 *  fields shown for some formats only. */
export const FORMS = {
  app: {
    table: "tool.gradient.app",
    command: "save_app_settings",
    formats: ["zipapp", "exe", "deb", "oci"],
    fields: ["python", "target", "wheelhouse", "index", "lock", "entry", "shebang"],
    lists: ["wheelhouse", "index"],
    only: { shebang: ["zipapp"] },
  },
  deb: {
    table: "tool.gradient.deb",
    command: "save_deb_settings",
    formats: ["deb"],
    fields: ["package", "maintainer", "section", "priority", "layout", "compression", "revision", "depends"],
    lists: ["depends"],
    only: {},
  },
  oci: {
    table: "tool.gradient.oci",
    command: "save_oci_settings",
    formats: ["oci"],
    fields: ["base", "tag", "push", "user", "workdir", "ports"],
    lists: ["ports"],
    only: {},
  },
};

const isList = (spec, key) => spec.lists.includes(key);

/** The form's text for each field. */
export function formFromSettings(spec, settings = {}) {
  const form = {};
  for (const key of spec.fields) {
    const value = settings?.[key];
    form[key] = isList(spec, key) ? (value ?? []).join("\n") : value ?? "";
  }
  return form;
}

/** The settings the form says: trimmed, empty text unset, empty lines dropped. */
export function settingsFromForm(spec, form) {
  const settings = {};
  for (const key of spec.fields) {
    const text = form[key] ?? "";
    if (isList(spec, key)) {
      settings[key] = text
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
    } else {
      settings[key] = text.trim() === "" ? null : text.trim();
    }
  }
  return settings;
}

/** Whether the form differs from what is saved. */
export function formChanged(spec, saved, form) {
  const normal = (f) => JSON.stringify(settingsFromForm(spec, f));
  return normal(formFromSettings(spec, saved)) !== normal(form);
}

/** The form field an error names (`tool.gradient.app.wheelhouse[1]` →
 *  `wheelhouse`), or null when it names none of this form's. */
export function fieldOfError(spec, error) {
  const field = error?.field ?? "";
  if (!field.startsWith(`${spec.table}.`)) return null;
  const key = /^[a-z-]+/.exec(field.slice(spec.table.length + 1))?.[0];
  return spec.fields.includes(key) ? key : null;
}
