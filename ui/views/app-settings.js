// The application settings form of the "Preview & build" tab: shown for
// the formats built from the installed application, filled from the
// project's `[tool.gradient.app]`, saved back through the engine (which
// checks each value and keeps the rest of pyproject.toml as it is). The
// file watcher then re-reads the project and refreshes the preview.
import { $ } from "../lib/dom.js";
import { describeError } from "../lib/format.js";
import { APP_FIELDS, APP_FORMATS, fieldOfError, formChanged, formFromSettings, settingsFromForm } from "../lib/app-settings.js";

export function createAppSettings({ invoke, showError, clearError, log }) {
  let saved = null;

  function form() {
    return Object.fromEntries(APP_FIELDS.map((key) => [key, $(`app-${key}`).value]));
  }

  function fill(app) {
    const values = formFromSettings(app);
    for (const key of APP_FIELDS) $(`app-${key}`).value = values[key];
  }

  function clearFieldError(key) {
    $(`app-error-${key}`).hidden = true;
    $(`app-${key}`).removeAttribute("aria-invalid");
  }

  function clearFieldErrors() {
    for (const key of APP_FIELDS) clearFieldError(key);
  }

  function updateSave() {
    $("save-app-settings").disabled = !saved || !formChanged(saved, form());
  }

  function onInput() {
    updateSave();
    $("app-settings-status").textContent = "";
  }

  /** An error the engine named a field for goes next to that field. */
  function showFieldError(error) {
    const key = fieldOfError(error);
    if (!key) return showError(error);
    $(`app-error-${key}`).textContent = describeError(error.message ?? error);
    $(`app-error-${key}`).hidden = false;
    $(`app-${key}`).setAttribute("aria-invalid", "true");
    $(`app-${key}`).focus();
  }

  async function save() {
    clearFieldErrors();
    const app = settingsFromForm(form());
    try {
      await invoke("save_app_settings", { app });
      clearError();
      saved = app;
      updateSave();
      $("app-settings-status").textContent = "Saved.";
      log("saved [tool.gradient.app] to pyproject.toml");
    } catch (error) {
      $("app-settings-status").textContent = "Not saved.";
      showFieldError(error);
    }
  }

  for (const key of APP_FIELDS) {
    $(`app-${key}`).addEventListener("input", () => {
      // The field's error spoke of the value that was there.
      clearFieldError(key);
      onInput();
    });
  }
  $("save-app-settings").addEventListener("click", save);

  return {
    /** Show the form for `format` (the shebang only for a zipapp). */
    show(format) {
      $("app-settings").hidden = !APP_FORMATS.includes(format);
      $("app-shebang-row").hidden = format !== "zipapp";
    },
    /** The project's saved settings; edits in progress survive a re-read
     *  of the project unless it is another one. */
    setProject(view, sameProject) {
      const editing = sameProject && saved && formChanged(saved, form());
      saved = view.app ?? {};
      if (!editing) {
        fill(saved);
        clearFieldErrors();
      }
      updateSave();
    },
  };
}
