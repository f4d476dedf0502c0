// The "Preview & build" tab: the formats, the live preview of the chosen
// archive, build options, the build itself (background, progress, cancel,
// log) and its result, and the equivalent `gradient` command.
import { $, row, element } from "../lib/dom.js";
import { humanSize, planTotals, visible } from "../lib/format.js";
import { planChanges } from "../lib/plan-diff.js";
import { treeRows } from "../lib/tree.js";
import { buildCommand } from "../lib/command.js";
import { debControlText } from "../lib/deb.js";
import { composition, sharePercent } from "../lib/composition.js";
import { repairView } from "../lib/repair.js";
import { createSettingsForm } from "./settings-form.js";

export function createPreview({ invoke, Channel, showError, clearError, onInspect, onResult }) {
  let project = null;
  let format = "wheel";
  const lastPlan = new Map();
  let refreshing = null;
  let building = false;
  let lastResult = null;
  // The forms of the tables the studio edits: the application's, the
  // Debian package's and the image's, each shown for its formats.
  const forms = ["app", "deb", "oci"].map((name) => createSettingsForm(name, { invoke, showError, clearError, log }));

  function options() {
    return { native: $("opt-native").checked, wheelFromSdist: $("opt-wheel-from-sdist").checked };
  }

  function showCommand() {
    if (!project) return;
    const o = options();
    $("cli-command").textContent = buildCommand(project.path, [format], {
      ...o,
      savedWheelFromSdist: project.wheel_from_sdist,
    });
    $("save-settings").disabled = o.wheelFromSdist === project.wheel_from_sdist;
  }

  async function showFormats() {
    const list = $("formats");
    list.replaceChildren();
    for (const f of await invoke("formats")) {
      const item = element("li");
      const button = element("button", f.name);
      button.type = "button";
      button.dataset.format = f.name;
      button.disabled = !f.available;
      button.setAttribute("aria-pressed", String(f.name === format));
      button.addEventListener("click", () => select(f.name));
      item.append(button);
      if (f.why) {
        const why = element("small", f.why);
        why.id = `why-${f.name}`;
        button.setAttribute("aria-describedby", why.id);
        item.append(why);
      }
      list.append(item);
    }
  }

  // The options box only when it holds an option for this format.
  function showOptions() {
    $("build-options").hidden = $("opt-wheel-from-sdist-row").hidden && $("native-row").hidden;
  }

  function select(name) {
    format = name;
    for (const b of $("formats").querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.format === name));
    }
    $("opt-wheel-from-sdist-row").hidden = name !== "wheel";
    $("save-settings").hidden = name !== "wheel";
    showOptions();
    for (const f of forms) f.show(name);
    // The result panel speaks only of the format it was built as.
    const built = lastResult?.format === name;
    $("result").hidden = !built;
    if (!building) $("build-status").textContent = built ? "Built." : "";
    showCommand();
    return refresh();
  }

  // What the table shows now, so that a refresh that only changes sizes
  // (the common case: a file saved) touches just those rows.
  let shown = null;

  function fileRow(r, mark) {
    const tr = row([["", "path"], [humanSize(r.size), "num"], [r.reason, "reason"]]);
    const cell = tr.firstChild;
    if (r.dir) cell.append(element("span", r.dir, "in-dir"));
    cell.append(visible(r.name));
    markRow(tr, mark);
    return tr;
  }

  function dirRow(r) {
    const tr = row([[r.path, "dirname"], [humanSize(r.size), "num"], [`${r.files} ${r.files === 1 ? "file" : "files"}`, "reason"]]);
    tr.className = "dir";
    return tr;
  }

  function markRow(tr, mark) {
    const cls = mark ?? "";
    if (tr.className === cls) return;
    tr.className = cls;
    tr.title = mark === "added" ? "new since the last view" : mark === "changed" ? "changed since the last view" : "";
  }

  function renderEntries(plan, marks) {
    const rows = treeRows(plan.entries);
    const same =
      shown && shown.format === format && shown.rows.length === rows.length && rows.every((r, i) => r.path === shown.rows[i].path);
    if (same) {
      rows.forEach((r, i) => {
        const tr = shown.trs[i];
        if (r.size !== shown.rows[i].size) tr.children[1].textContent = humanSize(r.size);
        // The same paths may be there for another reason (a rule edited,
        // or the backend's archive replacing Gradient's reading).
        if (r.kind === "file" && r.reason !== shown.rows[i].reason) tr.children[2].textContent = visible(r.reason);
        if (r.kind === "file") markRow(tr, marks.get(r.path));
      });
      shown.rows = rows;
      return;
    }
    const trs = rows.map((r) => (r.kind === "dir" ? dirRow(r) : fileRow(r, marks.get(r.path))));
    const fragment = document.createDocumentFragment();
    for (const tr of trs) fragment.append(tr);
    $("entries").tBodies[0].replaceChildren(fragment);
    shown = { format, rows, trs };
  }

  function renderExcluded(plan) {
    const show = $("show-excluded").checked;
    $("excluded").hidden = !show;
    if (!show) return;
    $("excluded").tBodies[0].replaceChildren(...plan.excluded.map((x) => row([[x.path, "path"], [x.rule, "reason"]])));
  }

  // A Debian package's control part: the control file, conffiles and the
  // maintainer scripts, shown under the installed tree.
  function renderDeb(plan) {
    $("deb-control-box").hidden = !plan.deb;
    if (plan.deb) $("deb-control").textContent = debControlText(plan.deb);
  }

  // What makes an application big: one bar per origin, largest first.
  function renderComposition(plan) {
    const groups = composition(plan.entries);
    $("composition").hidden = groups.length === 0;
    $("composition-bars").replaceChildren(
      ...groups.map((g) => {
        const item = element("li", undefined, `kind-${g.kind}`);
        const bar = element("span", undefined, "comp-bar");
        const fill = element("span", undefined, "comp-fill");
        fill.style.width = `${g.width.toFixed(2)}%`;
        bar.append(fill);
        const files = `${g.files} ${g.files === 1 ? "file" : "files"}`;
        const size = element("span", `${humanSize(g.size)} · ${sharePercent(g.percent)} · ${files}`, "comp-size");
        item.append(element("span", g.label, "comp-label"), bar, size);
        item.title = g.label;
        return item;
      }),
    );
  }

  async function refresh() {
    if (!project) return;
    // Coalesce bursts: one preview at a time, the latest request wins.
    if (refreshing) {
      refreshing.again = true;
      return refreshing.done;
    }
    const job = { again: false };
    job.done = (async () => {
      do {
        job.again = false;
        const wanted = format;
        try {
          const plan = await invoke("plan_preview", { format: wanted });
          if (wanted !== format) continue;
          clearError();
          const previous = lastPlan.get(wanted) ?? null;
          const { marks, removed } = planChanges(previous, plan);
          lastPlan.set(wanted, plan);
          $("artifact-name").textContent = visible(plan.file_name);
          $("built-by").textContent = plan.built_by ? `built by ${visible(plan.built_by)}` : "";
          $("built-by").hidden = !plan.built_by;
          $("totals").textContent = planTotals(plan);
          const summary = [plan.summary, ...(plan.notes ?? [])].filter(Boolean).join(" — ");
          $("plan-summary").textContent = visible(summary);
          $("plan-summary").hidden = !summary;
          $("removed").textContent = removed.length ? `Removed since the last view: ${visible(removed.join(", "))}` : "";
          $("removed").hidden = removed.length === 0;
          renderEntries(plan, marks);
          renderExcluded(plan);
          renderDeb(plan);
          renderComposition(plan);
        } catch (error) {
          $("entries").tBodies[0].replaceChildren();
          shown = null;
          $("artifact-name").textContent = "Preview";
          $("built-by").hidden = true;
          $("totals").textContent = "";
          $("plan-summary").hidden = true;
          $("deb-control-box").hidden = true;
          $("composition").hidden = true;
          showError(error);
        }
      } while (job.again);
      refreshing = null;
    })();
    refreshing = job;
    return job.done;
  }

  function log(line) {
    const stamp = new Date().toLocaleTimeString();
    $("log").textContent += `${stamp}  ${visible(line)}\n`;
  }

  function setBuilding(on) {
    building = on;
    $("build").disabled = on;
    $("cancel").hidden = !on;
    $("progress").hidden = !on;
    if (on) $("progress").removeAttribute("value");
  }

  function showResult(report) {
    const artifact = report.artifacts.find((a) => a.format === format) ?? report.artifacts[0];
    lastResult = artifact;
    $("result").hidden = false;
    $("result-path").textContent = visible(artifact.path);
    $("result-size").textContent = `${humanSize(artifact.size)} (${artifact.size} bytes)`;
    $("result-sha").textContent = artifact.sha256;
    showRepairs(report.repairs ?? []);
    onResult?.(artifact);
    $("inspect-result").focus();
  }

  /** A facts list (`dl.facts`) of `[label, text]` pairs, text only. */
  function factList(facts) {
    const dl = element("dl", undefined, "facts");
    for (const [label, text] of facts) dl.append(element("dt", label), element("dd", text));
    return dl;
  }

  // One panel per platform wheel the build repaired.
  function showRepairs(repairs) {
    const box = $("repairs");
    box.replaceChildren();
    box.hidden = repairs.length === 0;
    for (const r of repairs) {
      const view = repairView(r);
      const panel = element("section", undefined, "repair");
      panel.setAttribute("aria-label", "Repair");
      panel.append(element("h3", view.heading), factList(view.facts));
      for (const g of view.grafted) {
        const graft = element("div", undefined, "graft");
        graft.append(element("h4", g.soname), factList(g.facts));
        panel.append(graft);
      }
      panel.append(factList(view.outcome));
      box.append(panel);
    }
  }

  async function build() {
    if (building || !project) return;
    clearError();
    $("result").hidden = true;
    setBuilding(true);
    $("build-status").textContent = `Building ${format}…`;
    log(`build ${format} of ${project.name} ${project.version}`);
    const channel = new Channel();
    channel.onmessage = (e) => {
      switch (e.event) {
        case "started":
          $("progress").max = Math.max(e.total, 1);
          $("progress").value = 0;
          break;
        case "progress":
          $("progress").max = Math.max(e.total, 1);
          $("progress").value = e.done;
          break;
        case "step":
          $("build-status").textContent = e.label;
          log(e.label);
          break;
        case "log":
          // A build backend's own output, line by line as it prints it.
          log(`  | ${e.line}`);
          break;
        case "finished":
          setBuilding(false);
          for (const a of e.report.artifacts) log(`wrote ${a.path} (${a.size} bytes, sha256 ${a.sha256})`);
          for (const note of e.report.notes) log(`note: ${note}`);
          $("build-status").textContent = "Built.";
          showResult(e.report);
          break;
        case "failed":
          setBuilding(false);
          $("build-status").textContent = "Build failed.";
          log(`failed: ${e.error.message}`);
          showError(e.error);
          break;
        case "cancelled":
          setBuilding(false);
          $("build-status").textContent = "Cancelled; nothing was written.";
          log("cancelled");
          break;
      }
    };
    try {
      await invoke("start_build", { formats: [format], ...options(), onEvent: channel });
    } catch (error) {
      setBuilding(false);
      $("build-status").textContent = "";
      showError(error);
    }
  }

  async function saveSettings() {
    try {
      const wheelFromSdist = $("opt-wheel-from-sdist").checked;
      await invoke("save_settings", { wheelFromSdist });
      project.wheel_from_sdist = wheelFromSdist;
      log(`saved wheel-from-sdist = ${wheelFromSdist} to [tool.gradient] in pyproject.toml`);
      showCommand();
    } catch (error) {
      showError(error);
    }
  }

  $("build").addEventListener("click", build);
  $("cancel").addEventListener("click", () => invoke("cancel_build"));
  $("show-excluded").addEventListener("change", () => {
    const plan = lastPlan.get(format);
    if (plan) renderExcluded(plan);
  });
  $("opt-native").addEventListener("change", showCommand);
  $("opt-wheel-from-sdist").addEventListener("change", showCommand);
  $("save-settings").addEventListener("click", saveSettings);
  $("copy-command").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("cli-command").textContent);
      $("copy-command").textContent = "Copied";
    } catch {
      // No clipboard permission: select the text so Ctrl+C works.
      const range = document.createRange();
      range.selectNodeContents($("cli-command"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    setTimeout(() => ($("copy-command").textContent = "Copy"), 1500);
  });
  $("show-folder").addEventListener("click", () => lastResult && invoke("show_in_folder", { path: lastResult.path }).catch(showError));
  $("inspect-result").addEventListener("click", () => lastResult && onInspect(lastResult.path));

  return {
    showFormats,
    select,
    refresh,
    /** A (re)opened project: forget the old previews, show the new one. */
    async setProject(view) {
      project = view;
      lastPlan.clear();
      shown = null;
      $("result").hidden = true;
      $("opt-wheel-from-sdist").checked = view.wheel_from_sdist;
      $("opt-native").checked = false;
      $("native-row").hidden = !view.backend;
      showOptions();
      $("backend").textContent = view.backend ?? "";
      for (const f of forms) f.setProject(view, false);
      showCommand();
      await refresh();
    },
    /** The same project, re-read after a change on disk: keep the options
     *  and the previous previews, so the changes are highlighted. */
    async update(view) {
      if (!project || project.path !== view.path) return this.setProject(view);
      project = view;
      $("native-row").hidden = !view.backend;
      showOptions();
      for (const f of forms) f.setProject(view, true);
      showCommand();
      await refresh();
    },
  };
}
