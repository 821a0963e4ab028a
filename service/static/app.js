// The ai-stage page: posts the text to /v1/classify and draws the answer. No framework, no build.
"use strict";

const COLORS = {
  perception: "var(--perception)", generative: "var(--generative)", agentic: "var(--agentic)",
  physical: "var(--physical)", none: "var(--none)",
};
let stageNames = {};
let currentLang = "en";

const $ = (id) => document.getElementById(id);

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Wrap every occurrence of the decision's terms in <mark>, longest terms first so a short term
// never splits a longer match.
function highlight(text, terms) {
  const words = [...new Set(terms.map((t) => t.term).filter((t) => t.trim().length > 1))]
    .sort((a, b) => b.length - a.length);
  if (!words.length) return escapeHtml(text);
  const pattern = new RegExp(words.map(escapeRegExp).join("|"), "gi");
  let html = "";
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    html += escapeHtml(text.slice(last, match.index)) + "<mark>" + escapeHtml(match[0]) + "</mark>";
    last = match.index + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

// Probabilities shown to people: whole percents, never "100%" or "0%". The model is calibrated to
// within a point or two (ECE on the challenge set), so a decimal would claim more than it knows.
function percent(p) {
  if (p >= 0.995) return ">99%";
  if (p < 0.005) return "<1%";
  return `${Math.round(p * 100)}%`;
}

function drawBars(scores) {
  const bars = $("bars");
  bars.innerHTML = "";
  for (const [label, score] of Object.entries(scores)) {
    bars.insertAdjacentHTML(
      "beforeend",
      `<span class="bar-label">${escapeHtml(stageNames[label] || label)}</span>
       <div class="bar-track"><div class="bar-fill" data-label="${label}"></div></div>
       <span class="bar-value">${percent(score)}</span>`
    );
    // Styles go through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
    const fill = bars.lastElementChild.previousElementSibling.firstElementChild;
    fill.style.width = `${(score * 100).toFixed(1)}%`;
    fill.style.background = COLORS[label];
  }
}

async function classify() {
  const text = $("text").value;
  const status = $("status");
  status.className = "";
  if (!text.trim()) {
    status.textContent = "Type or paste some text first.";
    status.className = "error";
    return;
  }
  $("classify").disabled = true;
  status.textContent = "Classifying…";
  try {
    const response = await fetch("/v1/classify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, explain: true }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    $("stage").textContent = body.label;
    $("stage").style.background = COLORS[body.label];
    $("stage-name").textContent = stageNames[body.label] || "";
    $("confidence").textContent = `${percent(body.confidence)} confident`;
    drawBars(body.scores);
    $("highlighted").innerHTML = highlight(text, body.terms || []);
    $("model-version").textContent = body.model_version;
    $("result").hidden = false;
    status.textContent = "";
  } catch (error) {
    status.textContent = `Could not classify: ${error.message}`;
    status.className = "error";
  } finally {
    $("classify").disabled = false;
  }
}

async function loadDefinitions(lang) {
  const response = await fetch(`/v1/labels?lang=${encodeURIComponent(lang)}`);
  const body = await response.json();
  stageNames = Object.fromEntries(body.labels.map((s) => [s.id, s.name]));
  $("definitions").innerHTML = body.labels
    .map((s) => `<div class="stage-def" data-label="${s.id}">
        <h4>${escapeHtml(s.name)} <code>${s.id}</code></h4>
        <p>${escapeHtml(s.definition)}</p>
        <p class="examples">${escapeHtml(s.examples.map((e) => e.name).join(" · "))}</p>
      </div>`)
    .join("");
  document.querySelectorAll(".stage-def").forEach((d) => {
    d.style.borderColor = COLORS[d.dataset.label];
  });
  document.querySelectorAll(".lang-switch button").forEach((b) => {
    b.classList.toggle("active", b.dataset.lang === lang);
  });
  currentLang = lang;
}

$("classify").addEventListener("click", classify);
$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) classify();
});
document.querySelectorAll(".lang-switch button").forEach((button) => {
  button.addEventListener("click", () => loadDefinitions(button.dataset.lang));
});
loadDefinitions(currentLang);
