// The ai-stage page: posts the text to /v1/classify and draws the answer; the Review view works
// through the review queue one key per item. No framework, no build.
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

// The Review view names each bar by its label id, as on its answer buttons.
function drawBars(scores, bars = $("bars"), byId = false) {
  bars.innerHTML = "";
  for (const [label, score] of Object.entries(scores)) {
    bars.insertAdjacentHTML(
      "beforeend",
      `<span class="bar-label">${escapeHtml((!byId && stageNames[label]) || label)}</span>
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

// -- the Review view -----------------------------------------------------------------------------

const TOKEN_KEY = "ai-stage-admin-token";
const LABEL_KEYS = { 1: "perception", 2: "generative", 3: "agentic", 4: "physical", 5: "none" };
const review = { item: null, history: [], settled: 0, busy: false };

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Every call of the Review view carries the token kept for this browser tab only.
async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` };
  if (options.json !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.form,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.error ? body.error.message : response.statusText;
    if (response.status === 401 || response.status === 403) signOut(message);
    throw new ApiError(response.status, message);
  }
  return body;
}

function say(text, isError = false) {
  $("review-status").textContent = text;
  $("review-status").className = isError ? "error" : "";
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  $("review-panel").hidden = true;
  $("retrain").hidden = true;
  $("review-login").hidden = false;
  $("review-login-status").textContent = message;
}

async function startReviewing() {
  const token = $("review-token").value.trim();
  if (!token) {
    $("review-login-status").textContent = "Enter the admin token first.";
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("review-token").value = "";
  $("review-token").blur(); // the keys now answer items instead of typing into the field
  await showReview();
}

async function showReview() {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    signOut();
    return;
  }
  $("review-login").hidden = true;
  $("review-panel").hidden = false;
  try {
    await nextItem();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) say(error.message, true);
  }
}

async function refreshCounts() {
  const stats = await api("/v1/review/stats");
  const pending = stats.by_status.pending;
  $("review-progress").textContent =
    `${review.settled} settled in this session · ${pending} pending · ${stats.by_status.done} answered in all`;
  $("retrain").hidden = stats.corrections === 0;
  $("corrections-count").textContent =
    `${stats.corrections} correction${stats.corrections === 1 ? "" : "s"} stored.`;
  return stats;
}

async function nextItem() {
  const page = await api("/v1/review?status=pending&limit=1");
  review.item = page.items[0] || null;
  $("review-item").hidden = !review.item;
  $("review-empty").hidden = Boolean(review.item);
  if (review.item) {
    const item = review.item;
    $("review-text").textContent = item.text;
    const record = item.record_id ? ` record ${item.record_id}` : "";
    const job = item.job_id ? ` ${item.job_id.slice(0, 8)}` : "";
    $("review-source").textContent = `${item.source}${job}${record}`;
    $("review-model").textContent = item.model_version;
    drawBars(item.scores, $("review-bars"), true);
    document.querySelectorAll("#review-item [data-label]").forEach((button) => {
      button.classList.toggle("model-call", button.dataset.label === item.predicted);
    });
  }
  await refreshCounts();
}

function answerFor(key) {
  if (LABEL_KEYS[key]) return { label: LABEL_KEYS[key] };
  if (key === "n") return { not_ai_text: true };
  if (key === "s") return { skip: true };
  return null;
}

async function press(key) {
  if (review.busy) return;
  review.busy = true;
  try {
    if (key === "u") {
      const last = review.history.pop();
      if (!last) {
        say("Nothing to undo in this session.");
        return;
      }
      await api(`/v1/review/${last}/undo`, { method: "POST" });
      review.settled -= 1;
      say(`Item ${last} is back in the queue.`);
      await nextItem();
      return;
    }
    const answer = answerFor(key);
    if (!answer || !review.item) return;
    const id = review.item.id;
    try {
      const settled = await api(`/v1/review/${id}`, { method: "POST", json: answer });
      review.history.push(id);
      review.settled += 1;
      say(settled.answer ? `Item ${id}: ${settled.answer}.` : `Item ${id}: skipped.`);
    } catch (error) {
      // 409: someone else answered it; 404: a full queue dropped it. Either way, move on.
      if (!(error instanceof ApiError && [404, 409].includes(error.status))) throw error;
      say(`Item ${id} was answered by someone else or left the queue meanwhile; moving on.`);
    }
    await nextItem();
  } catch (error) {
    say(error.message, true);
  } finally {
    review.busy = false;
  }
}

function describeVerdict(job) {
  const gate = job.result && job.result.gate;
  if (job.state === "succeeded" && job.result.promoted) {
    const before = gate.current ? gate.current.macro_f1.toFixed(3) : "none";
    return [`Promoted ${job.result.version}: holdout macro-F1 ${before} → ${gate.candidate.macro_f1.toFixed(3)}.`, "ok"];
  }
  if (job.state === "rejected") {
    return [`Refused by the quality gate; the serving model stays. ${gate.reasons.join("; ")}`, "refused"];
  }
  return [`Training ${job.state}: ${job.message}`, "refused"];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Poll the job until it ends; a few failed polls in a row (a restart, a flaky network) are
// waited out rather than reported as the job's failure.
async function waitForJob(id, onProgress) {
  let failures = 0;
  for (;;) {
    await sleep(700);
    try {
      const job = await api(`/v1/jobs/${id}`);
      failures = 0;
      onProgress(job);
      if (job.state !== "queued" && job.state !== "running") return job;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) throw error;
      if (++failures >= 10) throw error;
    }
  }
}

async function retrainWithCorrections() {
  const button = $("retrain-start");
  const verdict = $("retrain-verdict");
  button.disabled = true;
  verdict.hidden = true;
  const form = new FormData();
  form.append("use_feedback", "true");
  try {
    const accepted = await api("/v1/train", { method: "POST", form });
    const bar = $("retrain-progress");
    bar.hidden = false;
    const job = await waitForJob(accepted.id, (update) => {
      bar.value = update.progress;
      $("retrain-message").textContent = update.message;
    });
    const [text, kind] = describeVerdict(job);
    verdict.textContent = text;
    verdict.className = `verdict-${kind}`;
  } catch (error) {
    verdict.textContent = `Could not retrain: ${error.message}`;
    verdict.className = "verdict-refused";
  } finally {
    verdict.hidden = false;
    button.disabled = false;
  }
  try {
    await nextItem(); // a promoted model has re-scored the waiting items
  } catch (error) {
    say(error.message, true);
  }
}

function showView() {
  const reviewing = location.hash === "#review";
  $("classify-view").hidden = reviewing;
  $("review-view").hidden = !reviewing;
  document.querySelectorAll(".views a").forEach((link) => {
    link.classList.toggle("active", (link.dataset.view === "review") === reviewing);
  });
  if (reviewing) showReview();
}

document.addEventListener("keydown", (event) => {
  if ($("review-view").hidden || $("review-panel").hidden) return;
  // A held-down key repeats: one press, one answer.
  if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
  if (["INPUT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
  const key = event.key.toLowerCase();
  if ("12345nsu".includes(key) && key.length === 1) {
    event.preventDefault();
    press(key);
  }
});
document.querySelectorAll(".answers button").forEach((button) => {
  button.addEventListener("click", () => {
    button.blur(); // or Space/Enter would press it again on the next item
    press(button.dataset.key);
  });
});
$("review-start").addEventListener("click", startReviewing);
$("review-token").addEventListener("keydown", (event) => {
  if (event.key === "Enter") startReviewing();
});
$("review-signout").addEventListener("click", () => signOut());
$("retrain-start").addEventListener("click", retrainWithCorrections);
window.addEventListener("hashchange", showView);

$("classify").addEventListener("click", classify);
$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) classify();
});
document.querySelectorAll(".lang-switch button").forEach((button) => {
  button.addEventListener("click", () => loadDefinitions(button.dataset.lang));
});
loadDefinitions(currentLang);
showView();
