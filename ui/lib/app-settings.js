// The application settings form (`[tool.gradient.app]`): between the
// settings the engine reads and the form's text fields. Lists are one item
// a line; an empty field means "not set".

/** The formats built from the installed application. */
export const APP_FORMATS = ["zipapp", "exe", "deb", "oci"];

const TEXTS = ["python", "target", "lock", "entry", "shebang"];
const LISTS = ["wheelhouse", "index"];

/** Every field of the form, in its order. */
export const APP_FIELDS = ["python", "target", "wheelhouse", "index", "lock", "entry", "shebang"];

/** The form's text for each field. */
export function formFromSettings(app = {}) {
  const form = {};
  for (const key of TEXTS) form[key] = app[key] ?? "";
  for (const key of LISTS) form[key] = (app[key] ?? []).join("\n");
  return form;
}

/** The settings the form says: trimmed, empty text unset, empty lines dropped. */
export function settingsFromForm(form) {
  const app = {};
  for (const key of TEXTS) {
    const text = (form[key] ?? "").trim();
    app[key] = text === "" ? null : text;
  }
  for (const key of LISTS) {
    app[key] = (form[key] ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
  }
  return app;
}

/** Whether the form differs from what is saved. */
export function formChanged(saved, form) {
  return JSON.stringify(settingsFromForm(formFromSettings(saved))) !== JSON.stringify(settingsFromForm(form));
}

/** The form field an error names (`tool.gradient.app.wheelhouse[1]` →
 *  `wheelhouse`), or null when it names none of them. */
export function fieldOfError(error) {
  const match = /^tool\.gradient\.app\.([a-z-]+)/.exec(error?.field ?? "");
  return match && APP_FIELDS.includes(match[1]) ? match[1] : null;
}
