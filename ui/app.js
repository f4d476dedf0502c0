// The studio's entry point: loads the project, lists the formats and shows
// the preview of the chosen one. All work happens in Rust commands.
import { humanSize, planTotals, describeError } from "./lib/format.js";

const invoke = window.__TAURI__.core.invoke;
const $ = (id) => document.getElementById(id);
let current = "wheel";

function showError(error) {
  const panel = $("error");
  panel.textContent = describeError(error);
  panel.hidden = false;
}

function clearError() {
  $("error").hidden = true;
}

function showProject(project) {
  $("project-name").textContent = project.name;
  $("project-version").textContent = project.version;
  $("project-summary").textContent = project.summary ?? "";
  document.title = `${project.name} — Gradient Studio`;
}

async function showFormats() {
  const list = $("formats");
  list.replaceChildren();
  for (const format of await invoke("formats")) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = format.name;
    button.dataset.format = format.name;
    button.disabled = !format.available;
    if (format.why) button.title = format.why;
    button.setAttribute("aria-pressed", String(format.name === current));
    button.addEventListener("click", () => {
      current = format.name;
      for (const b of list.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
      showPreview();
    });
    item.append(button);
    if (format.why) {
      const why = document.createElement("small");
      why.textContent = format.why;
      item.append(why);
    }
    list.append(item);
  }
}

async function showPreview() {
  const body = $("entries").tBodies[0];
  try {
    const plan = await invoke("plan_preview", { format: current });
    clearError();
    $("artifact-name").textContent = plan.file_name;
    $("totals").textContent = planTotals(plan);
    body.replaceChildren(
      ...plan.entries.map((entry) => {
        const row = document.createElement("tr");
        for (const [text, cls] of [[entry.path, "path"], [humanSize(entry.size), "num"], [entry.reason, "reason"]]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          cell.className = cls;
          row.append(cell);
        }
        return row;
      }),
    );
  } catch (error) {
    body.replaceChildren();
    showError(error);
  }
}

async function open(loader) {
  try {
    const project = await loader();
    if (!project) return;
    clearError();
    showProject(project);
    await showPreview();
  } catch (error) {
    showError(error);
  }
}

$("open").addEventListener("click", () => open(() => invoke("choose_project")));
await showFormats();
await open(() => invoke("open_project", {}));
