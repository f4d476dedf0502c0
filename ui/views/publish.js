// The Publish step on a build result: choose the repository, enter or reuse
// a token, see the checks, then upload with progress and see the links.
import { $, element } from "../lib/dom.js";
import { humanSize } from "../lib/format.js";
import { canPublish, publishCommand, checkLines, resultLinks } from "../lib/publish.js";

export function createPublisher({ invoke, Channel, showError, clearError }) {
  let artifact = null;
  let busy = false;

  const target = () => ({
    repository: $("pub-repo").value === "url" ? "url" : $("pub-repo").value,
    url: $("pub-repo").value === "url" ? $("pub-url").value.trim() : null,
  });

  function setBusy(on) {
    busy = on;
    $("pub-check").disabled = on;
    $("pub-go").disabled = on;
    $("pub-progress").hidden = !on;
  }

  function showCommand() {
    if (!artifact) return;
    const { repository, url } = target();
    $("pub-command").textContent = publishCommand(artifact.path, repository, url);
  }

  async function tokenStatus() {
    try {
      const { repository, url } = target();
      if (repository === "url" && !url) return;
      const status = await invoke("publish_token_status", { repository: repository === "url" ? "pypi" : repository, url });
      $("pub-token-status").textContent = status.source
        ? `A token from ${status.source} will be used unless you enter one.`
        : "Enter an API token for this index.";
    } catch (error) {
      $("pub-token-status").textContent = "";
      showError(error);
    }
  }

  function args() {
    const { repository, url } = target();
    return { path: artifact.path, repository: repository === "url" ? "pypi" : repository, url };
  }

  async function check() {
    if (busy || !artifact) return;
    clearError();
    setBusy(true);
    $("pub-status").textContent = "Checking…";
    try {
      const checked = await invoke("publish_check", args());
      const list = $("pub-checks");
      list.replaceChildren(...checkLines(checked).map((l) => element("li", l.text, l.ok ? "ok" : "bad")));
      $("pub-status").textContent = checked.problems.length
        ? `${checked.problems.length} problem(s): nothing will be uploaded.`
        : "Checks passed.";
      setBusy(false);
      $("pub-go").disabled = checked.problems.length > 0;
    } catch (error) {
      setBusy(false);
      $("pub-status").textContent = "";
      showError(error);
    }
  }

  async function upload() {
    if (busy || !artifact) return;
    clearError();
    setBusy(true);
    $("pub-status").textContent = "Uploading…";
    const channel = new Channel();
    channel.onmessage = (e) => {
      switch (e.event) {
        case "started":
        case "progress":
          $("pub-progress").max = Math.max(e.total, 1);
          $("pub-progress").value = e.done ?? 0;
          $("pub-status").textContent = `Uploading… ${humanSize(e.done ?? 0)} of ${humanSize(e.total)}`;
          break;
        case "finished":
          setBusy(false);
          showOutcome(e.outcome);
          break;
        case "failed":
          setBusy(false);
          $("pub-status").textContent = "Publishing failed.";
          showError(e.error);
          break;
      }
    };
    const token = $("pub-token").value;
    $("pub-token").value = "";
    try {
      await invoke("publish_upload", { ...args(), token: token || null, remember: $("pub-remember").checked, onEvent: channel });
    } catch (error) {
      setBusy(false);
      $("pub-status").textContent = "";
      showError(error);
    }
  }

  function showOutcome(outcome) {
    const done = outcome.files.map((f) => `${f.file_name}: ${f.status}`).join("; ");
    $("pub-status").textContent = outcome.error ? "Publishing failed." : `Published. ${done}`;
    if (outcome.error) showError(outcome.error);
    $("pub-links").replaceChildren(
      ...resultLinks(outcome).map((l) => {
        const li = element("li", `${l.text}: `);
        li.append(element("code", l.url, "link-url"));
        return li;
      }),
    );
  }

  $("publish-open").addEventListener("click", () => {
    $("publish").hidden = false;
    showCommand();
    tokenStatus();
    $("pub-repo").focus();
  });
  $("pub-repo").addEventListener("change", () => {
    $("pub-url-row").hidden = $("pub-repo").value !== "url";
    $("pub-checks").replaceChildren();
    showCommand();
    tokenStatus();
  });
  $("pub-url").addEventListener("change", () => {
    showCommand();
    tokenStatus();
  });
  $("pub-check").addEventListener("click", check);
  $("pub-go").addEventListener("click", upload);

  return {
    /** A new build result: offer publishing for sdists and wheels. */
    setArtifact(next) {
      artifact = next;
      $("publish-open").hidden = !canPublish(next);
      $("publish").hidden = true;
      $("pub-checks").replaceChildren();
      $("pub-links").replaceChildren();
      $("pub-status").textContent = "";
      $("pub-go").disabled = true;
    },
  };
}
