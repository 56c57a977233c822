// undex web page: paste or upload -> suggest -> review evidence -> accept/reject -> copy.
// Plain browser JavaScript talking to the REST API of the same server; no build step.
// The cataloguing loop (add, save, recent decisions, MARCXML) is in catalogue.js.
"use strict";

const UI_LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es"];
const $ = (id) => document.getElementById(id);

const state = {
  ui: pickInitialLanguage(),
  projects: [],
  result: null, // {text, chars, project, detected, subjects}
  accepted: new Map(), // uri -> subject
  added: new Map(), // uri -> subject the cataloguer added (found by searching the thesaurus)
  saved: null, // feedback id of the decisions saved for this result
  fileSubjects: [],
};

function pickInitialLanguage() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  const stored = localStorage.getItem("undex.ui");
  const browser = (navigator.language || "en").slice(0, 2);
  return [fromUrl, stored, browser].find((l) => UI_LANGUAGES.includes(l)) || "en";
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ------------------------------------------------------------------ language

function applyLanguage() {
  const lang = state.ui;
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? "rtl" : "ltr";
  document.title = `undex · ${t(lang, "title")}`;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(lang, node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(lang, node.dataset.i18nPlaceholder);
  }
  for (const button of $("ui-languages").children) {
    button.setAttribute("aria-checked", String(button.dataset.lang === lang));
  }
  renderProjects();
}

function renderLanguageButtons() {
  const box = $("ui-languages");
  for (const lang of UI_LANGUAGES) {
    box.append(el("button", {
      type: "button", role: "radio", lang, "data-lang": lang, dir: RTL.has(lang) ? "rtl" : "ltr",
      onclick: () => setLanguage(lang),
    }, LANGUAGE_NAMES[lang]));
  }
}

async function setLanguage(lang) {
  state.ui = lang;
  localStorage.setItem("undex.ui", lang);
  applyLanguage();
  if (state.result) await runSuggest(state.result.text, state.result.project, true);
  else renderAll();
}

// ------------------------------------------------------------------ API calls

async function api(path, options = {}) {
  return readAnswer(await fetch(path, options));
}

async function readAnswer(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const detail = body && body.detail ? body.detail : `${response.status} ${response.statusText}`;
    throw new Error(detail);
  }
  return body;
}

async function loadProjects() {
  try {
    const data = await api("/v1/projects");
    state.projects = data.projects;
  } catch (err) {
    showStatus(`${t(state.ui, "error")}: ${err.message}`, true);
  }
  renderProjects();
}

function renderProjects() {
  const select = $("project");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, t(state.ui, "automatic")));
  for (const p of state.projects) {
    const ready = p.undex && p.undex.is_ready;
    const name = `${p.name} · ${LANGUAGE_NAMES[p.language] || p.language}${ready ? "" : ` (${t(state.ui, "notTrained")})`}`;
    select.append(el("option", { value: p.project_id, disabled: !ready }, name));
  }
  select.value = chosen;
}

function chooseProject(language) {
  const manual = $("project").value;
  if (manual) return state.projects.find((p) => p.project_id === manual);
  const candidates = state.projects.filter((p) => p.language === language && p.undex.is_ready);
  // the recommended project of the language (unbis-<language>) first, then ensembles, trained, zero-shot
  const rank = (p) =>
    p.project_id === `unbis-${language}` ? 0 : p.backend.backend_id === "ensemble" ? 1 : p.is_trained ? 2 : 3;
  candidates.sort((a, b) => rank(a) - rank(b));
  return candidates[0];
}

async function detect(text) {
  const data = await api("/v1/detect-language", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text: text.slice(0, 5000), languages: UI_LANGUAGES }),
  });
  const best = data.results.find((r) => r.score > 0);
  return best ? best.language : null;
}

// ------------------------------------------------------------------ suggest

async function onSubmit(event) {
  event.preventDefault();
  const text = $("text").value;
  if (!text.trim()) {
    showStatus(t(state.ui, "emptyText"), true);
    return;
  }
  const button = $("suggest");
  button.disabled = true;
  showStatus(t(state.ui, "working"));
  try {
    const detected = await detect(text);
    const project = chooseProject(detected);
    if (!project) throw new Error(`${t(state.ui, "noProject")} (${LANGUAGE_NAMES[detected] || detected || "?"})`);
    startReview();
    await runSuggest(text, project, false, detected);
  } catch (err) {
    showStatus(`${t(state.ui, "error")}: ${err.message}`, true);
  } finally {
    button.disabled = false;
  }
}

async function runSuggest(text, project, keepAccepted, detected) {
  const started = performance.now();
  const form = new URLSearchParams({ text, limit: $("limit").value || "10", language: state.ui });
  const data = await api(`/v1/projects/${encodeURIComponent(project.project_id)}/suggest`, { method: "POST", body: form });
  const subjects = data.results;
  if (keepAccepted) {
    for (const s of subjects) if (state.accepted.has(s.uri)) state.accepted.set(s.uri, s);
  }
  state.result = {
    text,
    chars: Array.from(text),
    project,
    detected: detected || data.undex.detected_language,
    warning: data.undex.warning,
    subjects,
    seconds: (performance.now() - started) / 1000,
  };
  renderAll();
  showReader(true);
}

// ------------------------------------------------------------------ rendering

function showStatus(message, isError = false) {
  const status = $("status");
  status.classList.toggle("error", isError);
  status.replaceChildren(message);
}

function renderStatus() {
  const r = state.result;
  if (!r) return;
  const ui = state.ui;
  showStatus("");
  $("status").append(
    el("span", { class: "tag" }, `${t(ui, "detected")}: ${LANGUAGE_NAMES[r.detected] || r.detected || "?"}`),
    el("span", { class: "tag" }, `${t(ui, "usingProject")}: ${r.project.name}`),
    el("span", { dir: "ltr" }, `${r.subjects.length} · ${r.seconds.toFixed(2)} s`),
  );
  if (r.warning) $("status").append(el("p", { class: "warning", role: "alert", dir: "ltr" }, r.warning));
}

function renderAll() {
  renderStatus();
  renderResults();
  renderReader();
  renderAccepted();
  renderFileSubjects();
  renderAdded();
}

function groupChips(s) {
  const ui = state.ui;
  const chips = [];
  for (const g of s.undex.microthesauri) chips.push(el("span", { class: "chip", title: t(ui, "microthesaurus") }, g.name));
  for (const g of s.undex.domains) chips.push(el("span", { class: "chip domain", title: t(ui, "domain") }, g.name));
  const inFile = state.fileSubjects.some((f) => Object.values(s.undex.labels).some((l) => l.toUpperCase() === f.toUpperCase()));
  if (inFile) chips.push(el("span", { class: "chip infile" }, `✓ ${t(ui, "inFile")}`));
  return chips;
}

function renderResults() {
  const list = $("results");
  list.replaceChildren();
  const r = state.result;
  $("empty").hidden = Boolean(r && r.subjects.length);
  if (r && !r.subjects.length) $("empty").textContent = t(state.ui, "noneFound");
  if (!r) return;
  const ui = state.ui;
  r.subjects.forEach((s, index) => {
    const accepted = state.accepted.has(s.uri);
    const id = `accept-${index}`;
    const evidence = s.undex.evidence.length;
    const english = s.undex.labels.en && ui !== "en" ? s.undex.labels.en : null;
    const item = el("li", {
      class: `subject${accepted ? " accepted" : ""}`, "data-index": index, "data-uri": s.uri,
      onmouseenter: () => highlight(index, true), onmouseleave: () => highlight(index, false),
    },
      el("input", {
        type: "checkbox", id, checked: accepted, "aria-label": `${t(ui, "accept")}: ${s.label}`,
        onchange: (e) => toggle(s, e.target.checked),
      }),
      el("div", { class: "head" },
        el("button", { type: "button", class: "label", lang: ui, onclick: () => openConcept(s.undex.concept_id) }, s.label),
        english ? el("span", { class: "other", lang: "en", dir: "ltr" }, english) : null,
      ),
      el("div", { class: "scoreline" },
        el("span", { class: "bar", role: "meter", "aria-valuemin": 0, "aria-valuemax": 1, "aria-valuenow": s.score, "aria-label": t(ui, "score") },
          el("span", { style: `inline-size:${Math.max(2, Math.round(s.score * 100))}%; width:${Math.max(2, Math.round(s.score * 100))}%` })),
        el("span", { class: "score" }, s.score.toFixed(2)),
        evidence
          ? el("button", { type: "button", class: "link evidence-link", onclick: () => jumpToEvidence(index) }, `${evidence} ${t(ui, evidence === 1 ? "passage" : "passages")}`)
          : el("span", { class: "hint" }, t(ui, "noPassages")),
      ),
      el("div", { class: "chips" }, groupChips(s)),
    );
    list.append(item);
  });
}

function segments(chars, subjects) {
  // Split the text at every evidence boundary; each piece knows the subjects covering it.
  const spans = [];
  subjects.forEach((s, index) => s.undex.evidence.forEach((e) => spans.push({ ...e, index })));
  const cuts = new Set([0, chars.length]);
  for (const e of spans) { cuts.add(Math.max(0, Math.min(e.start, chars.length))); cuts.add(Math.max(0, Math.min(e.end, chars.length))); }
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i < points.length - 1; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const covering = spans.filter((e) => e.start <= start && e.end >= end).map((e) => e.index);
    out.push({ text: chars.slice(start, end).join(""), subjects: [...new Set(covering)] });
  }
  return out;
}

function renderReader() {
  const reader = $("reader");
  const r = state.result;
  reader.replaceChildren();
  if (!r) return;
  reader.lang = r.detected || "";
  for (const piece of segments(r.chars, r.subjects)) {
    if (!piece.subjects.length) { reader.append(piece.text); continue; }
    const labels = piece.subjects.map((i) => r.subjects[i].label).join(" · ");
    const accepted = piece.subjects.some((i) => state.accepted.has(r.subjects[i].uri));
    reader.append(el("mark", {
      "data-subjects": piece.subjects.join(" "), title: labels, class: accepted ? "accepted" : "",
      onclick: () => focusSubject(piece.subjects[0]),
    }, piece.text));
  }
}

function marksOf(index) {
  return [...$("reader").querySelectorAll("mark")].filter((m) => m.dataset.subjects.split(" ").includes(String(index)));
}

function highlight(index, on) {
  for (const mark of marksOf(index)) mark.classList.toggle("active", on);
  const row = $("results").querySelector(`[data-index="${index}"]`);
  if (row) row.classList.toggle("active", on);
}

function jumpToEvidence(index) {
  showReader(true);
  for (const mark of $("reader").querySelectorAll("mark.active")) mark.classList.remove("active");
  const marks = marksOf(index);
  marks.forEach((m) => m.classList.add("active"));
  if (marks.length) marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
}

function focusSubject(index) {
  const row = $("results").querySelector(`[data-index="${index}"]`);
  if (!row) return;
  row.scrollIntoView({ block: "nearest", behavior: "smooth" });
  row.querySelector("input").focus();
}

function showReader(on) {
  const hasResult = Boolean(state.result);
  $("reader").hidden = !(on && hasResult);
  $("editor").hidden = on && hasResult;
  $("edit-text").hidden = !(on && hasResult);
}

// ------------------------------------------------------------------ accept / copy

function toggle(subject, on) {
  if (on) state.accepted.set(subject.uri, subject);
  else state.accepted.delete(subject.uri);
  markChanged();
  renderResults();
  renderReader();
  renderAccepted();
}

function setAll(on) {
  if (!state.result) return;
  state.accepted.clear();
  if (on) for (const s of state.result.subjects) state.accepted.set(s.uri, s);
  markChanged();
  renderResults();
  renderReader();
  renderAccepted();
}

function marcField(subject) {
  const term = (subject.undex.labels.en || subject.label).replace(/\$/g, "{dollar}");
  return `650 _7 $a ${term} $2 unbist`;
}

function renderAccepted() {
  const accepted = keptSubjects();
  $("accepted-count").textContent = String(accepted.length);
  $("nothing-accepted").hidden = accepted.length > 0;
  $("out-lines").textContent = accepted.map((s) => s.label).join("\n");
  $("out-lines").lang = state.ui;
  $("out-marc").textContent = accepted.map(marcField).join("\n");
}

async function copyFrom(targetId, button) {
  const text = $(targetId).textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea", { style: "position:fixed;opacity:0" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = `✓ ${t(state.ui, "copied")}`;
  setTimeout(() => { button.textContent = t(state.ui, "copy"); }, 1800);
}

// ------------------------------------------------------------------ concept dialog

async function openConcept(conceptId) {
  const r = state.result;
  if (!r) return;
  const ui = state.ui;
  const vocab = r.project.vocab ? r.project.vocab.vocab_id : "unbis";
  try {
    const c = await api(`/v1/vocabs/${encodeURIComponent(vocab)}/concepts/${encodeURIComponent(conceptId)}?language=${ui}`);
    $("concept-title").textContent = c.label;
    $("concept-title").lang = ui;
    const rows = UI_LANGUAGES.filter((l) => c.labels[l]).map((l) =>
      el("tr", {}, el("th", {}, LANGUAGE_NAMES[l]), el("td", { lang: l, dir: RTL.has(l) ? "rtl" : "ltr" }, c.labels[l])));
    const relation = (key, items) => el("div", {},
      el("h3", {}, t(ui, key)),
      items.length
        ? el("ul", {}, items.map((x) => el("li", {}, el("button", { type: "button", class: "link", lang: ui, onclick: () => openConcept(x.id) }, x.label))))
        : el("p", { class: "hint" }, t(ui, "none")));
    const groups = [...c.microthesauri.map((g) => el("span", { class: "chip" }, g.name)), ...c.domains.map((g) => el("span", { class: "chip domain" }, g.name))];
    $("concept-body").replaceChildren(
      el("p", { class: "uri", dir: "ltr" }, c.uri),
      el("div", { class: "chips" }, groups),
      el("table", { class: "labels" }, el("caption", { class: "sr-only" }, t(ui, "labels")), rows),
      el("div", { class: "relations" }, relation("broader", c.broader), relation("narrower", c.narrower), relation("related", c.related)),
    );
    if (!$("concept").open) $("concept").showModal();
  } catch (err) {
    showStatus(`${t(ui, "error")}: ${err.message}`, true);
  }
}

// ------------------------------------------------------------------ upload

let bodyLimit = null;

async function uploadLimit() {
  // the server's largest request body, less room for the form's own fields
  if (bodyLimit === null) {
    try {
      bodyLimit = (await api("/healthz")).max_body_bytes - 4096;
    } catch {
      bodyLimit = 0;  // unknown: the server still answers 413
    }
  }
  return bodyLimit;
}

function megabytes(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

async function onFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  $("file-name").textContent = file.name;
  const limit = await uploadLimit();
  if (limit && file.size > limit) {  // refused here: a browser cannot read an early 413 reliably
    showStatus(`${t(state.ui, "error")}: ${file.name}: ${megabytes(file.size)} > ${megabytes(limit)}`, true);
    event.target.value = "";
    return;
  }
  const body = new FormData();
  body.append("file", file);
  try {
    const doc = await api("/v1/undex/extract", { method: "POST", body });
    $("text").value = doc.text;
    state.fileSubjects = doc.subjects;
    state.result = null;
    startReview();
    $("document-id").value = file.name.replace(/\.(txt|text|docx|pdf)$/i, "");
    showReader(false);
    renderAll();
    showStatus(`${file.name} · ${LANGUAGE_NAMES[doc.detected_language] || ""}`);
  } catch (err) {
    showStatus(`${t(state.ui, "error")}: ${err.message}`, true);
  } finally {
    event.target.value = "";
  }
}

function renderFileSubjects() {
  const box = $("file-subjects");
  box.hidden = !state.fileSubjects.length;
  box.replaceChildren(el("strong", {}, `${t(state.ui, "inFile")}: `), state.fileSubjects.join(" · "));
}

// ------------------------------------------------------------------ start

function init() {
  renderLanguageButtons();
  applyLanguage();
  $("suggest-form").addEventListener("submit", onSubmit);
  $("file").addEventListener("change", onFile);
  $("edit-text").addEventListener("click", () => showReader(false));
  $("accept-all").addEventListener("click", () => setAll(true));
  $("reject-all").addEventListener("click", () => setAll(false));
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => copyFrom(button.dataset.copy, button));
  }
  initCatalogue();
  renderAccepted();
  loadProjects();
}

init();
