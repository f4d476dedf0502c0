// The "Inspect" tab: the report of one artifact (facts, findings, verified
// files), refreshed when the file changes on disk, and the diff of two.
import { $, row, element } from "../lib/dom.js";
import { humanSize, visible } from "../lib/format.js";
import { reportVerdict, reportFacts, sortFindings, flaggedPaths, diffLines } from "../lib/report.js";

export function createInspector({ invoke, Channel, showError, clearError }) {
  let current = null;

  function render(report) {
    $("diff").hidden = true;
    $("report").hidden = false;
    $("report-title").textContent = visible(report.path.split("/").pop());
    const verdict = reportVerdict(report);
    $("report-verdict").textContent = verdict.text;
    $("report-verdict").className = `verdict ${verdict.verifies ? "ok" : "bad"}`;
    const facts = $("report-facts");
    facts.replaceChildren();
    for (const f of reportFacts(report)) {
      const start = f.starts ? "section-start" : undefined;
      const value = element("dd", undefined, start);
      // A control field's continuation lines and a maintainer script keep their lines.
      value.textContent = visible(f.text, { keepNewlines: true });
      facts.append(element("dt", f.label, start), value);
    }
    const findings = sortFindings(report.findings);
    $("no-findings").hidden = findings.length > 0;
    $("findings").hidden = findings.length === 0;
    $("findings").tBodies[0].replaceChildren(
      ...findings.map((f) => {
        const tr = row([[f.severity, `sev ${f.severity}`], [f.code, "code"], [f.path ?? "", "path"], [f.message, ""]]);
        tr.className = `flag-${f.severity}`;
        return tr;
      }),
    );
    const flagged = flaggedPaths(report.findings);
    const fragment = document.createDocumentFragment();
    for (const e of report.entries) {
      const tr = row([[e.path, "path"], [e.kind === "file" ? humanSize(e.size) : e.kind, "num"], [e.sha256 ? e.sha256.slice(0, 16) : "", "hash"]]);
      const mark = flagged.get(e.path);
      if (mark) tr.className = `flag-${mark}`;
      if (e.sha256) tr.lastChild.title = e.sha256;
      fragment.append(tr);
    }
    $("files").tBodies[0].replaceChildren(fragment);
    $("compare").disabled = false;
  }

  async function open(path) {
    try {
      const report = await invoke("inspect_artifact", { path });
      clearError();
      current = path;
      render(report);
      const channel = new Channel();
      channel.onmessage = () => {
        if (current === path) refresh(path);
      };
      await invoke("watch_artifact", { path, onChange: channel });
    } catch (error) {
      showError(error);
    }
  }

  async function refresh(path) {
    try {
      render(await invoke("inspect_artifact", { path }));
      $("report-refreshed").textContent = `Refreshed ${new Date().toLocaleTimeString()} after the file changed.`;
    } catch (error) {
      showError(error);
    }
  }

  async function compare(after) {
    if (!current) return;
    try {
      const diff = await invoke("diff_artifacts", { before: current, after });
      clearError();
      $("diff").hidden = false;
      $("diff-title").textContent = visible(`${current.split("/").pop()} → ${after.split("/").pop()}`);
      const lines = diffLines(diff);
      $("diff-lines").replaceChildren(
        ...(lines.length
          ? lines.map((l) => {
              const item = element("li", undefined, `sign-${l.sign === "+" ? "add" : l.sign === "~" ? "change" : "remove"}`);
              item.append(element("span", l.sign, "sign"), element("span", l.group, "group"), element("span", l.text, "path"));
              return item;
            })
          : [element("li", "The two artifacts hold the same files and metadata.")]),
      );
      $("diff").scrollIntoView({ block: "start" });
    } catch (error) {
      showError(error);
    }
  }

  $("open-artifact").addEventListener("click", async () => {
    const path = await invoke("choose_artifact").catch(showError);
    if (path) open(path);
  });
  $("compare").addEventListener("click", async () => {
    const path = await invoke("choose_artifact").catch(showError);
    if (path) compare(path);
  });

  return { open };
}
