// The "Gradient" tab: the decision tree's questions one at a time, each
// pre-filled from the project where the engine can tell, ending on the
// recommendation with its stack ladder and runners-up.
import { $, element } from "../lib/dom.js";
import { ladder } from "../lib/ladder.js";

export function createWizard({ invoke, showError, clearError, onBuild }) {
  let tree = null;
  let answers = {};

  function showSteps(path) {
    const steps = $("steps");
    steps.replaceChildren(
      ...path.map((step, i) => {
        const q = tree.question.find((x) => x.id === step.question);
        const item = element("li");
        item.append(element("span", q ? q.text : step.question, "step-q"), " ", element("strong", step.label));
        if (step.source !== "answer") item.append(element("small", ` (from the project: ${step.source})`, "muted"));
        const change = element("button", "Change", "link");
        change.type = "button";
        change.setAttribute("aria-label", `Change: ${q ? q.text : step.question}`);
        change.addEventListener("click", () => {
          // Forget this answer and every later one; earlier ones stand.
          const keep = new Set(path.slice(0, i).map((s) => s.question));
          answers = Object.fromEntries(Object.entries(answers).filter(([k]) => keep.has(k)));
          walk();
        });
        item.append(" ", change);
        return item;
      }),
    );
  }

  function showQuestion(question, prefilled) {
    $("recommendation").hidden = true;
    $("question").hidden = false;
    $("question").dataset.question = question.id;
    $("question-text").textContent = question.text;
    $("question-explain").textContent = question.explain;
    $("question-default").hidden = !prefilled;
    if (prefilled) $("question-default").textContent = `Pre-filled from your project: ${prefilled.source}`;
    const options = $("options");
    options.replaceChildren(element("legend", "Your answer", "sr-only"));
    question.option.forEach((choice) => {
      const label = element("label", undefined, "choice");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "answer";
      input.value = choice.value;
      // Only what the project tells is pre-selected: a guess would look like a fact.
      input.checked = prefilled?.value === choice.value;
      input.addEventListener("change", () => ($("answer").disabled = false));
      label.append(input, " ", choice.label);
      options.append(label);
    });
    $("answer").disabled = !options.querySelector("input:checked");
    (options.querySelector("input:checked") ?? options.querySelector("input"))?.focus();
  }

  function showRecommendation(rec) {
    $("question").hidden = true;
    $("recommendation").hidden = false;
    $("rec-title").textContent = rec.title;
    $("rec-why").textContent = rec.why;
    $("rec-startup").textContent = rec.startup;
    $("rec-size").textContent = rec.size;
    $("rec-updates").textContent = rec.updates;
    $("ladder").replaceChildren(
      ...ladder(tree.layers, rec.bundles, rec.assumes).map(({ layer, role }) => {
        const item = element("li", undefined, `layer ${role}`);
        item.append(element("span", layer, "layer-name"), element("span", role === "bundled" ? "in the artifact" : role === "assumed" ? "the target provides" : "", "layer-role"));
        return item;
      }),
    );
    const buildable = rec.built_by_gradient && rec.format && !rec.not_yet;
    $("rec-build").hidden = !buildable;
    $("rec-build").textContent = buildable ? `Build the ${rec.format}` : "";
    $("rec-build").dataset.format = buildable ? rec.format : "";
    const how = [rec.not_yet ? `Gradient builds this later: ${rec.not_yet}.` : "", rec.how_to ?? ""].filter(Boolean).join(" ");
    $("rec-how").hidden = !how;
    $("rec-how").textContent = how;
    $("runners-up").replaceChildren(
      ...rec.runners_up.map((r) => {
        const other = tree.recommendation.find((x) => x.id === r.id);
        const item = element("li");
        item.append(element("strong", other ? other.title : r.id), ` — ${r.why}`);
        return item;
      }),
    );
    (buildable ? $("rec-build") : $("rec-restart")).focus();
  }

  async function walk() {
    try {
      const outcome = await invoke("gradient_walk", { answers });
      clearError();
      showSteps(outcome.path);
      if (outcome.outcome === "next_question") showQuestion(outcome.question, outcome.default);
      else showRecommendation(outcome.recommendation);
      return outcome;
    } catch (error) {
      showError(error);
      return null;
    }
  }

  $("question").addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = $("options").querySelector("input:checked");
    if (!picked) return;
    const id = $("question").dataset.question;
    answers[id] = picked.value;
    walk();
  });
  const restart = () => {
    answers = {};
    walk();
  };
  $("restart").addEventListener("click", restart);
  $("rec-restart").addEventListener("click", restart);
  $("rec-build").addEventListener("click", () => {
    const format = $("rec-build").dataset.format;
    if (format) onBuild(format);
  });

  return {
    /** Start (or restart) the walk for the open project. */
    async start() {
      tree ??= await invoke("gradient_tree");
      answers = {};
      return walk();
    },
  };
}
