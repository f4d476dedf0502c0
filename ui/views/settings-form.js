// A settings form of the "Preview & build" tab (`[tool.gradient.app]`,
// `.deb`, `.oci`): shown for the formats it concerns, filled from what the
// project says, saved back through the engine (which checks each value and
// keeps the rest of pyproject.toml as it is). The file watcher then
// re-reads the project and refreshes the preview. Element ids start with
// the form's name: `deb-layout`, `deb-error-layout`, `save-deb-settings`.
import { $ } from "../lib/dom.js";
import { describeError } from "../lib/format.js";
import { FORMS, fieldOfError, formChanged, formFromSettings, settingsFromForm } from "../lib/settings-form.js";

export function createSettingsForm(name, { invoke, showError, clearError, log }) {
  const spec = FORMS[name];
  const input = (key) => $(`${name}-${key}`);
  const fieldError = (key) => $(`${name}-error-${key}`);
  const status = $(`${name}-settings-status`);
  const button = $(`save-${name}-settings`);
  let saved = null;

  function form() {
    return Object.fromEntries(spec.fields.map((key) => [key, input(key).value]));
  }

  function fill(settings) {
    const values = formFromSettings(spec, settings);
    for (const key of spec.fields) input(key).value = values[key];
  }

  function clearFieldError(key) {
    fieldError(key).hidden = true;
    input(key).removeAttribute("aria-invalid");
  }

  function clearFieldErrors() {
    for (const key of spec.fields) clearFieldError(key);
  }

  function updateSave() {
    button.disabled = !saved || !formChanged(spec, saved, form());
  }

  /** An error the engine named a field for goes next to that field. */
  function showFieldError(error) {
    const key = fieldOfError(spec, error);
    if (!key) return showError(error);
    fieldError(key).textContent = describeError(error.message ?? error);
    fieldError(key).hidden = false;
    input(key).setAttribute("aria-invalid", "true");
    input(key).focus();
  }

  async function save() {
    clearFieldErrors();
    const settings = settingsFromForm(spec, form());
    try {
      await invoke(spec.command, { [name]: settings });
      clearError();
      saved = settings;
      updateSave();
      status.textContent = "Saved.";
      log(`saved [${spec.table}] to pyproject.toml`);
    } catch (error) {
      status.textContent = "Not saved.";
      showFieldError(error);
    }
  }

  for (const key of spec.fields) {
    // Selects report a choice as `change`, text fields as `input`.
    for (const event of ["input", "change"]) {
      input(key).addEventListener(event, () => {
        // The field's error spoke of the value that was there.
        clearFieldError(key);
        updateSave();
        status.textContent = "";
      });
    }
  }
  button.addEventListener("click", save);

  return {
    /** Show the form, and the fields of it that apply, for `format`. */
    show(format) {
      $(`${name}-settings`).hidden = !spec.formats.includes(format);
      for (const [key, formats] of Object.entries(spec.only)) {
        $(`${name}-${key}-row`).hidden = !formats.includes(format);
      }
    },
    /** The project's saved settings; edits in progress survive a re-read
     *  of the project unless it is another one. */
    setProject(view, sameProject) {
      const editing = sameProject && saved && formChanged(spec, saved, form());
      saved = view[name] ?? {};
      if (!editing) {
        fill(saved);
        clearFieldErrors();
      }
      updateSave();
    },
  };
}
