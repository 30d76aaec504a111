// The press desk: ask the knowledge base, read the answer with its sources highlighted in
// their documents, copy it with its citation; the reporter's own history and the kit.
"use strict";

(() => {
  const { $, el, api, result, time } = window.desk;
  const docs = new Map(); // name -> {title, text?}
  let current = null; // the answer shown

  function pct(x) { return `${Math.round(Math.max(0, Math.min(1, x)) * 100)}%`; }

  async function documentText(name) {
    const known = docs.get(name);
    if (known && known.text !== undefined) return known;
    const d = await api("GET", `/v1/qa/document?name=${encodeURIComponent(name)}`);
    docs.set(name, d);
    return d;
  }

  /** Show ``name`` with [start, end) marked, scrolled into view. */
  async function showDocument(name, start, end) {
    const box = $("#doc-text");
    try {
      const d = await documentText(name);
      $("#doc-name").textContent = d.title && d.title !== name ? `${d.title} — ${name}` : name;
      box.replaceChildren();
      if (start === undefined || start === null || end <= start) {
        box.append(d.text);
        return;
      }
      const mark = el("mark", { id: "highlight" }, d.text.slice(start, end));
      box.append(d.text.slice(0, start), mark, d.text.slice(end));
      mark.scrollIntoView({ block: "center" });
    } catch (err) {
      box.replaceChildren(el("p", { class: "bad" }, `Cannot open ${name}: ${err.message}`));
    }
  }

  function citation(a) {
    const src = a.sources[a.sources.length - 1];
    const quote = a.answered ? (a.short_answer || a.answer) : a.answer;
    const where = src ? `${src.doc}: “${src.text.trim()}”` : "no source";
    return `Q: ${a.question}\nA: ${quote}\nSource: ${where}\n(vhuman press desk, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`;
  }

  async function copy(a, button) {
    const text = citation(a);
    try {
      await navigator.clipboard.writeText(text);
      result($("#copy-state"), "Copied with its citation.");
    } catch (err) {
      // no clipboard permission (plain http): select the text so Ctrl+C copies it
      const area = el("textarea", { class: "copybox", readonly: true, "aria-label": "citation to copy" }, text);
      button.after(area);
      area.select();
      result($("#copy-state"), "Press Ctrl+C to copy the selected citation.");
    }
  }

  function renderAnswer(a) {
    current = a;
    const box = $("#answer");
    const parts = [];
    if (a.answered) {
      parts.push(el("p", { class: "short", id: "short-answer" }, a.short_answer || a.answer));
    } else {
      parts.push(el("p", { class: "refused", id: "short-answer" }, "The press kit doesn't say."));
    }
    parts.push(el("div", { class: "muted small" }, "The host would say:"),
               el("p", { class: "reply", id: "reply" }, a.answer));
    parts.push(el("div", { class: "conf" }, "Confidence",
                  el("meter", { min: 0, max: 1, value: a.confidence, "aria-label": "confidence" }),
                  el("span", { id: "confidence" }, pct(a.confidence))));
    parts.push(el("h3", { class: "small muted" },
                  a.answered ? "Sources" : "Closest passage in the kit"));
    a.sources.forEach((s, i) => {
      parts.push(el("div", { class: "source" },
        el("span", { class: "doc" }, s.doc), " ",
        el("span", { class: "muted small" }, `characters ${s.start}–${s.end}`),
        el("blockquote", {}, s.text),
        el("button", { type: "button", class: "quiet", "data-source": i,
                       onclick: () => showDocument(s.doc, s.start, s.end) }, "Show in document")));
    });
    if (!a.sources.length) parts.push(el("p", { class: "muted" }, "No passage came close."));
    const copyButton = el("button", { type: "button", id: "copy" }, "Copy with citation");
    copyButton.addEventListener("click", () => copy(a, copyButton));
    parts.push(el("div", { class: "row gap-top" }, copyButton,
                  el("span", { id: "copy-state", class: "result", role: "status" })));
    box.replaceChildren(...parts);
    const best = a.sources[a.sources.length - 1];
    if (best) showDocument(best.doc, best.start, best.end);
  }

  async function ask(ev) {
    ev.preventDefault();
    const q = $("#question").value.trim();
    if (!q) return;
    const button = $("#ask-button");
    button.disabled = true;
    $("#ask-state").className = "result";
    $("#ask-state").textContent = "Looking it up…";
    try {
      const a = await api("POST", "/v1/qa", { question: q });
      a.question = q;
      renderAnswer(a);
      result($("#ask-state"), a.answered ? `Answered (${pct(a.confidence)} confident).`
                                         : "The kit doesn't say; the closest passage is shown.");
      loadHistory();
    } catch (err) {
      result($("#ask-state"), `Could not ask: ${err.message}`, false);
    } finally {
      button.disabled = false;
    }
  }

  async function loadHistory() {
    try {
      const items = await api("GET", "/v1/qa/log?limit=50");
      const list = $("#history");
      list.replaceChildren(...items.map((r) => el("li", {},
        el("button", { type: "button", onclick: () => renderAnswer({
          question: r.question, answer: r.answer, answered: r.answered, confidence: r.confidence,
          short_answer: "", sources: r.sources }) }, r.question),
        el("div", { class: "muted small" }, `${time(r.ts)} · ${r.answered ? "answered" : "not in the kit"}`))));
      if (!items.length) list.append(el("li", { class: "muted" }, "No questions yet."));
    } catch (err) { /* the connection line or sign-in says why */ }
  }

  async function loadDocuments() {
    const list = $("#documents");
    try {
      const items = await api("GET", "/v1/qa/documents");
      for (const d of items) docs.set(d.name, docs.get(d.name) || { name: d.name, title: d.title });
      list.replaceChildren(...items.map((d) => el("li", {},
        el("button", { type: "button", onclick: () => showDocument(d.name) }, d.title || d.name),
        el("span", { class: "muted small" }, ` ${d.name} · ${d.sentences} sentences`))));
      if (!items.length) list.append(el("li", { class: "muted" }, "The kit is empty."));
    } catch (err) {
      list.replaceChildren(el("li", { class: "bad" }, err.message));
    }
  }

  function start() {
    $("#ask").addEventListener("submit", ask);
    $("#question").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("#ask").requestSubmit(); }
    });
    loadDocuments();
    loadHistory();
    $("#question").focus();
    window.press = { get answer() { return current; } };
  }

  window.desk.init("reporter", start);
})();
