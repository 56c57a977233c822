// undex web page, the cataloguing loop: add subjects found by searching the thesaurus in
// any of the six languages, save the decisions (accepted, rejected, added) to the server,
// list the recent decisions, download the kept subjects as MARCXML. Uses app.js's state.
"use strict";

const SESSION = { token: "undex.token", name: "undex.cataloguer" };
const search = { sequence: 0, timer: null, options: [], active: -1 };

function vocabId() {
  const project = state.result && state.result.project;
  return (project && project.vocab && project.vocab.vocab_id) || "unbis";
}

function labelIn(labels, fallback) {
  return labels[state.ui] || labels.en || fallback;
}

function keptSubjects() {
  const accepted = state.result ? state.result.subjects.filter((s) => state.accepted.has(s.uri)) : [];
  const added = [...state.added.values()].map((s) => ({ ...s, label: labelIn(s.undex.labels, s.label) }));
  return [...accepted, ...added];
}

function startReview() {
  state.accepted.clear();
  state.added.clear();
  state.saved = null;
  showSaveStatus("");
}

function markChanged() {
  if (state.saved !== null) showSaveStatus(t(state.ui, "unsaved"));
  state.saved = null;
}

function showSaveStatus(message, isError = false) {
  const status = $("save-status");
  status.classList.toggle("error", isError);
  status.textContent = message;
}

function refreshReview() {
  markChanged();
  renderResults();
  renderReader();
  renderAccepted();
  renderAdded();
}

// ------------------------------------------------------------------ type-ahead

function onSearchInput() {
  clearTimeout(search.timer);
  search.timer = setTimeout(runSearch, 150);
}

async function runSearch() {
  const q = $("add-subject").value.trim();
  const sequence = ++search.sequence;
  if (!q) {
    closeOptions();
    return;
  }
  const query = new URLSearchParams({ q, language: state.ui, limit: "10" });
  try {
    const data = await api(`/v1/vocabs/${encodeURIComponent(vocabId())}/search?${query}`);
    if (sequence !== search.sequence) return; // a newer query is under way
    search.options = data.results;
    search.active = data.results.length ? 0 : -1;
    renderOptions();
  } catch (err) {
    showSaveStatus(`${t(state.ui, "error")}: ${err.message}`, true);
  }
}

function renderOptions() {
  const list = $("add-options");
  const ui = state.ui;
  list.replaceChildren();
  if (!search.options.length) list.append(el("li", { class: "none", "aria-disabled": "true" }, t(ui, "noMatch")));
  search.options.forEach((c, index) => {
    const taken = state.added.has(c.uri) || state.accepted.has(c.uri);
    const other = c.matched.label !== c.label;
    const lang = c.matched.language;
    list.append(el("li", {
      id: `option-${index}`, role: "option", "data-uri": c.uri, "aria-selected": String(index === search.active),
      class: taken ? "taken" : "", onmousedown: (event) => { event.preventDefault(); choose(c); },
    },
      el("span", { class: "label", lang: ui }, c.label),
      other ? el("span", { class: "matched", lang, dir: RTL.has(lang) ? "rtl" : "ltr" }, c.matched.label) : null,
      taken ? el("span", { class: "chip" }, "✓") : null,
    ));
  });
  list.hidden = false;
  const input = $("add-subject");
  input.setAttribute("aria-expanded", "true");
  if (search.active >= 0) input.setAttribute("aria-activedescendant", `option-${search.active}`);
  else input.removeAttribute("aria-activedescendant");
}

function closeOptions() {
  $("add-options").hidden = true;
  $("add-subject").setAttribute("aria-expanded", "false");
  $("add-subject").removeAttribute("aria-activedescendant");
  search.options = [];
}

function onSearchKey(event) {
  if ($("add-options").hidden || !search.options.length) return;
  const count = search.options.length;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    search.active = (search.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
    renderOptions();
  } else if (event.key === "Enter") {
    choose(search.options[search.active]);
  } else if (event.key === "Escape") {
    closeOptions();
  } else {
    return;
  }
  event.preventDefault();
}

function choose(concept) {
  if (!state.result || !concept) return;
  const suggested = state.result.subjects.find((s) => s.uri === concept.uri);
  if (suggested) state.accepted.set(concept.uri, suggested);
  else {
    const undex = { labels: concept.labels, concept_id: concept.concept_id };
    state.added.set(concept.uri, { uri: concept.uri, label: concept.label, undex });
  }
  $("add-subject").value = "";
  closeOptions();
  refreshReview();
}

function renderAdded() {
  const list = $("added");
  const ui = state.ui;
  list.replaceChildren();
  for (const s of state.added.values()) {
    const label = labelIn(s.undex.labels, s.label);
    list.append(el("li", { class: "added-subject", "data-uri": s.uri },
      el("span", { class: "plus", "aria-hidden": "true" }, "+"),
      el("button", { type: "button", class: "label", lang: ui, onclick: () => openConcept(s.undex.concept_id) }, label),
      s.undex.labels.en && ui !== "en" ? el("span", { class: "other", lang: "en", dir: "ltr" }, s.undex.labels.en) : null,
      el("button", {
        type: "button", class: "link remove", "aria-label": `${t(ui, "remove")}: ${label}`,
        onclick: () => { state.added.delete(s.uri); refreshReview(); },
      }, "×"),
    ));
  }
  $("added-heading").hidden = state.added.size === 0;
  for (const id of ["add-subject", "save", "download-marc"]) $(id).disabled = !state.result;
}

// ------------------------------------------------------------------ token and name

async function askCredentials() {
  const dialog = $("credentials");
  $("cataloguer").value = sessionStorage.getItem(SESSION.name) || "";
  $("token").value = "";
  dialog.returnValue = "";
  dialog.showModal();
  const answer = await new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true });
  });
  if (answer !== "ok") return null;
  sessionStorage.setItem(SESSION.token, $("token").value.trim());
  sessionStorage.setItem(SESSION.name, $("cataloguer").value.trim());
  return credentials();
}

function credentials() {
  const token = sessionStorage.getItem(SESSION.token);
  const name = sessionStorage.getItem(SESSION.name);
  return token && name ? { token, name } : null;
}

// Call an endpoint that needs the API token: asks for token and name once per browser
// session, and once more when the server refuses the token. null when the user cancels.
async function withToken(path, makeOptions) {
  for (const retry of [false, true]) {
    const who = credentials() || (await askCredentials());
    if (!who) return null;
    const options = makeOptions(who);
    const headers = { ...(options.headers || {}), Authorization: `Bearer ${who.token}` };
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401 && !retry) {
      sessionStorage.removeItem(SESSION.token);
      continue;
    }
    return readAnswer(response);
  }
  return null;
}

// ------------------------------------------------------------------ save

function decisions() {
  const shown = state.result.subjects.map((s) => ({
    uri: s.uri, decision: state.accepted.has(s.uri) ? "accepted" : "rejected",
  }));
  return [...shown, ...[...state.added.keys()].map((uri) => ({ uri, decision: "added" }))];
}

async function save() {
  const r = state.result;
  if (!r || !decisions().length) {
    showSaveStatus(t(state.ui, "nothingToSave"), true);
    return;
  }
  const language = UI_LANGUAGES.includes(r.detected) ? r.detected : r.project.language;
  const body = (who) => JSON.stringify({
    project_id: r.project.project_id,
    document_id: $("document-id").value.trim() || null,
    text: r.text,
    language,
    cataloguer: who.name,
    decisions: decisions(),
    suggestions: r.subjects.map((s, index) => ({ uri: s.uri, score: s.score, rank: index + 1 })),
  });
  $("save").disabled = true;
  showSaveStatus(t(state.ui, "saving"));
  try {
    const options = (who) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: body(who) });
    const answer = await withToken("/v1/undex/feedback", options);
    if (!answer) {
      showSaveStatus("");
      return;
    }
    state.saved = answer.feedback_id;
    const learned = answer.learned ? ` · ${t(state.ui, "learned")}` : "";
    showSaveStatus(`✓ ${t(state.ui, "saved")} (#${answer.feedback_id})${learned}`);
    if (!$("recent").hidden) await loadRecent();
  } catch (err) {
    showSaveStatus(`${t(state.ui, "error")}: ${err.message}`, true);
  } finally {
    $("save").disabled = false;
  }
}

// ------------------------------------------------------------------ MARCXML

async function downloadMarc() {
  const documentId = $("document-id").value.trim() || null;
  const request = {
    vocab_id: vocabId(), language: "en",
    documents: [{ document_id: documentId, uris: keptSubjects().map((s) => s.uri) }],
  };
  try {
    const response = await fetch("/v1/undex/marcxml", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request),
    });
    if (!response.ok) await readAnswer(response); // throws with the server's detail
    const link = el("a", {
      href: URL.createObjectURL(await response.blob()),
      download: `${(documentId || "undex").replace(/[^\w.-]+/g, "_")}.xml`,
    });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (err) {
    showSaveStatus(`${t(state.ui, "error")}: ${err.message}`, true);
  }
}

// ------------------------------------------------------------------ recent decisions

async function loadRecent() {
  $("recent").hidden = false;
  const query = new URLSearchParams({ limit: "20", language: state.ui });
  try {
    const data = await withToken(`/v1/undex/feedback?${query}`, () => ({}));
    if (!data) {
      $("recent").hidden = true;
      return;
    }
    $("recent-list").replaceChildren(...data.feedback.map(recentItem));
    $("recent-empty").hidden = data.feedback.length > 0;
    showRecentError("");
  } catch (err) {
    showRecentError(`${t(state.ui, "error")}: ${err.message}`);
  }
}

function showRecentError(message) {
  $("recent-error").textContent = message;
  $("recent-error").hidden = !message;
}

function recentItem(f) {
  const ui = state.ui;
  const kept = f.decisions.filter((d) => d.decision !== "rejected");
  const rejected = f.decisions.length - kept.length;
  const when = new Date(f.created_at).toLocaleString(ui);
  return el("li", { class: "recent-item", "data-feedback": f.feedback_id },
    el("div", { class: "recent-head" },
      el("strong", { dir: "ltr" }, f.document_id || `#${f.feedback_id}`),
      el("span", { class: "hint" }, `${when} · ${f.cataloguer} · ${f.project_id} · ${LANGUAGE_NAMES[f.language] || f.language}`),
    ),
    el("ul", { class: "chips" }, kept.map((d) => el("li", { class: `chip ${d.decision}`, lang: ui, title: d.uri },
      `${d.decision === "added" ? "+" : "✓"} ${d.label || d.uri}`))),
    rejected ? el("span", { class: "hint" }, `${rejected} ${t(ui, "rejectedCount")}`) : null,
  );
}

// ------------------------------------------------------------------ start

function initCatalogue() {
  const input = $("add-subject");
  input.addEventListener("input", onSearchInput);
  input.addEventListener("keydown", onSearchKey);
  input.addEventListener("blur", () => setTimeout(closeOptions, 150));
  $("save").addEventListener("click", save);
  $("download-marc").addEventListener("click", downloadMarc);
  $("show-recent").addEventListener("click", async () => {
    await loadRecent();
    if (!$("recent").hidden) $("recent").scrollIntoView({ block: "start", behavior: "smooth" });
  });
  $("refresh-recent").addEventListener("click", loadRecent);
  $("close-recent").addEventListener("click", () => { $("recent").hidden = true; });
  renderAdded();
}
