// The studio's entry point: the project header, the tabs and the wiring
// between the views. All work happens in the app's Rust commands.
import { $ } from "./lib/dom.js";
import { describeError, visible } from "./lib/format.js";
import { createPreview } from "./views/preview.js";
import { createWizard } from "./views/wizard.js";
import { createInspector } from "./views/inspect.js";
import { createPublisher } from "./views/publish.js";

const { invoke, Channel } = window.__TAURI__.core;

function showError(error) {
  const panel = $("error");
  $("error-text").textContent = describeError(error);
  panel.hidden = false;
}

function clearError() {
  $("error").hidden = true;
}

const TABS = ["build", "wizard", "inspect"];

function showTab(name) {
  for (const tab of TABS) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
}

for (const [i, tab] of TABS.entries()) {
  const button = $(`tab-${tab}`);
  button.addEventListener("click", () => showTab(tab));
  // Arrow keys move between tabs, as in every tab list.
  button.addEventListener("keydown", (event) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = TABS[(i + step + TABS.length) % TABS.length];
    showTab(next);
    $(`tab-${next}`).focus();
  });
}

const inspector = createInspector({ invoke, Channel, showError, clearError });
const publisher = createPublisher({ invoke, Channel, showError, clearError });
const preview = createPreview({
  invoke,
  Channel,
  showError,
  clearError,
  onInspect: (path) => {
    showTab("inspect");
    inspector.open(path);
  },
  onResult: (artifact) => publisher.setArtifact(artifact),
});
const wizard = createWizard({
  invoke,
  showError,
  clearError,
  onBuild: (format) => {
    showTab("build");
    preview.select(format);
    $("build").focus();
  },
});

function showProject(project) {
  $("project-name").textContent = visible(project.name);
  $("project-version").textContent = visible(project.version);
  $("project-summary").textContent = visible(project.summary ?? "");
  $("project-path").textContent = visible(project.path);
  document.title = `${visible(project.name)} — Gradient Studio`;
  showTrust(project);
}

/** Workspace trust: a project that names a program to run says so, and
 *  nothing it names runs until the person trusts it. */
function showTrust(project) {
  const runs = (project.runs ?? []).map((r) => `${r.program} (${r.setting})`).join(", ");
  $("trust").hidden = !runs || project.trusted;
  $("trust-text").textContent = visible(
    `This project names programs that previews and builds would run: ${runs}. ` +
      "Nothing it names runs until you trust the project.",
  );
}

$("trust-project").addEventListener("click", async () => {
  try {
    const project = await invoke("trust_project", { trusted: true });
    clearError();
    showProject(project);
    await preview.update(project);
  } catch (error) {
    showError(error);
  }
});

async function showRecent() {
  const select = $("recent");
  const paths = await invoke("recent_projects");
  select.replaceChildren(new Option("—", ""), ...paths.map((p) => new Option(p, p)));
}

/** Whether the open project last loaded without errors. */
let loaded = false;

/** Watch the open project; every burst of changes refreshes the preview. */
async function watch() {
  const channel = new Channel();
  channel.onmessage = async (change) => {
    // The header (and the options) come from pyproject.toml: re-read them
    // when it changed, or when the last load failed on some other file.
    if (!loaded || change.paths.some((p) => p.endsWith("/pyproject.toml"))) {
      try {
        const project = await invoke("open_project", { reload: true });
        loaded = true;
        showProject(project);
        await preview.update(project);
      } catch (error) {
        loaded = false;
        showError(error);
      }
    } else {
      await preview.refresh();
    }
  };
  await invoke("watch_project", { onChange: channel });
}

async function open(loader) {
  try {
    const project = await loader();
    if (!project) return;
    clearError();
    loaded = true;
    showProject(project);
    await preview.setProject(project);
    await wizard.start();
  } catch (error) {
    loaded = false;
    $("project-name").textContent = "Project with errors";
    $("project-version").textContent = "";
    showError(error);
  } finally {
    showRecent().catch(() => {});
    watch().catch(showError);
  }
}

$("open").addEventListener("click", () => open(() => invoke("choose_project")));
$("recent").addEventListener("change", (event) => {
  const path = event.target.value;
  if (path) open(() => invoke("open_recent", { path }));
});
$("dismiss-error").addEventListener("click", clearError);

const drops = new Channel();
drops.onmessage = (drop) => {
  if (drop.kind === "project") {
    showTab("build");
    open(() => invoke("open_dropped", { path: drop.path }));
  } else {
    showTab("inspect");
    inspector.open(drop.path);
  }
};
await invoke("subscribe_drops", { onDrop: drops });

await preview.showFormats();
await open(() => invoke("open_project", {}));
const artifact = await invoke("initial_artifact");
if (artifact) {
  showTab("inspect");
  await inspector.open(artifact);
}
document.body.dataset.ready = "true";
