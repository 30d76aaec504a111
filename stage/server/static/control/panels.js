// Control room panels that follow the selected show: run of show (timeline, reorder,
// insert), chat desk, health charts (from /metrics) and the show log (search, export).
"use strict";

(() => {
  const { $, el, api, every, result, download, time } = window.desk;
  const c = window.control;
  const enc = encodeURIComponent;
  let dragging = null;
  let logEvents = [];

  const clock = (s) => {
    if (s === null || s === undefined) return "–";
    const sign = s < 0 ? "-" : "";
    const a = Math.abs(s);
    return `${sign}${Math.floor(a / 60)}:${String(Math.floor(a % 60)).padStart(2, "0")}`;
  };
  const drift = (s) => (s === null || s === undefined ? "" : `drift ${s >= 0 ? "+" : ""}${s.toFixed(1)} s`);

  // -- run of show -------------------------------------------------------------------
  let timeline = null;

  function movable(seg) { return seg.status === "next" || seg.status === "pending"; }

  async function reorder(ids) {
    try {
      timeline = await api("POST", c.showPath("/control/reorder"), { order: ids });
      renderTimeline();
      result($("#timeline-result"), "Run of show reordered.");
    } catch (err) {
      result($("#timeline-result"), `Reorder failed: ${err.message}`, false);
    }
  }

  function move(id, delta) {
    const ids = timeline.segments.filter(movable).map((s) => s.id);
    const i = ids.indexOf(id), j = i + delta;
    if (i < 0 || j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j], ids[i]];
    reorder(ids).then(() => { const b = $(`#timeline li[data-id="${CSS.escape(id)}"] .${delta < 0 ? "up" : "down"}`); if (b) b.focus(); });
  }

  function renderTimeline() {
    const list = $("#timeline");
    if (dragging) return;
    if (!timeline) { list.replaceChildren(el("li", { class: "muted" }, "No rundown on this show.")); return; }
    const left = Math.max(0, timeline.planned_s - timeline.clock_s);
    $("#clock").textContent = `${timeline.state} · show clock ${clock(timeline.clock_s)} of ${clock(timeline.planned_s)} planned, ${clock(left)} left` +
      (timeline.drift_s !== null ? ` · ${drift(timeline.drift_s)}` : "");
    const after = $("#insert-after");
    const chosen = after.value;
    after.replaceChildren(after.options[0], ...timeline.segments.map((s) => el("option", { value: s.id }, s.id)));
    after.value = chosen;
    list.replaceChildren(...timeline.segments.map((s) => {
      const li = el("li", { class: s.status, "data-id": s.id, draggable: movable(s) ? "true" : null,
                            "aria-current": s.status === "on_air" ? "step" : null },
        el("span", { class: `badge ${s.status}` }, s.status.replace("_", " ")),
        el("span", {}, el("strong", {}, s.id), ` ${s.type} — `, s.summary),
        movable(s) ? el("span", { class: "moves" },
          el("button", { type: "button", class: "quiet up", "aria-label": `move ${s.id} earlier`, onclick: () => move(s.id, -1) }, "↑"),
          el("button", { type: "button", class: "quiet down", "aria-label": `move ${s.id} later`, onclick: () => move(s.id, 1) }, "↓")) : el("span"),
        el("span", { class: "times" }, [`planned ${clock(s.planned_start_s)}, ${Math.round(s.planned_s)} s`,
          s.started_s !== null ? `started ${clock(s.started_s)}` : "",
          s.time_left_s !== null ? `${Math.round(s.time_left_s)} s left` : "", drift(s.drift_s)].filter(Boolean).join(" · ")));
      if (movable(s)) {
        li.addEventListener("dragstart", (ev) => { dragging = s.id; ev.dataTransfer.setData("text/plain", s.id); });
        li.addEventListener("dragend", () => { dragging = null; });
        li.addEventListener("dragover", (ev) => { ev.preventDefault(); li.classList.add("drag-over"); });
        li.addEventListener("dragleave", () => li.classList.remove("drag-over"));
        li.addEventListener("drop", (ev) => {
          ev.preventDefault();
          const from = dragging;
          dragging = null;
          const ids = timeline.segments.filter(movable).map((x) => x.id).filter((x) => x !== from);
          ids.splice(ids.indexOf(s.id), 0, from);
          reorder(ids);
        });
      }
      return li;
    }));
  }

  async function refreshTimeline() {
    if (!c.show) { timeline = null; renderTimeline(); return; }
    try {
      timeline = await api("GET", c.showPath("/control/timeline"));
    } catch (err) {
      timeline = null;
      if (err.status === 409 || err.status === 404 || err.status === 503) $("#clock").textContent = err.message;
    }
    renderTimeline();
  }

  function insertBody() {
    const type = $("#insert-type").value;
    const lines = $("#insert-text").value.split("\n").map((s) => s.trim()).filter(Boolean);
    const file = $("#insert-file").value;
    const seconds = Number($("#insert-seconds").value) || 20;
    const seg = { type };
    if (type === "say") seg.lines = lines;
    else if (type === "qa") seg.questions = lines;
    else if (type === "sing") seg.score = file;
    else if (type === "dance") { seg.music = file; seg.duration = seconds; }
    else if (type === "chat") seg.minutes = seconds / 60;
    else if (type === "pause") seg.duration = seconds;
    else if (type === "promo") {
      seg.product = { name: lines[0] || "", price: Number(lines[1]) || 0 };
      seg.pitch = lines.slice(2).length ? lines.slice(2) : [`Take a look at ${lines[0] || "this"}!`];
    }
    if ($("#insert-camera").value) seg.camera = $("#insert-camera").value;
    return { segment: seg, after: $("#insert-after").value || null };
  }

  async function insert(ev) {
    ev.preventDefault();
    try {
      timeline = await api("POST", c.showPath("/control/insert"), insertBody());
      renderTimeline();
      result($("#timeline-result"), "Segment inserted.");
      $("#insert-text").value = "";
    } catch (err) {
      result($("#timeline-result"), `Insert failed: ${err.message}${err.problems.length ? " — " + err.problems.join("; ") : ""}`, false);
    }
  }

  // -- chat desk ---------------------------------------------------------------------
  async function chatAction(label, path, body) {
    try {
      const r = await api("POST", c.showPath(`/control/chat${path}`), body);
      result($("#chat-result"), r.detail || `${label}: done`);
      refreshChat();
    } catch (err) {
      result($("#chat-result"), `${label} failed: ${err.message}`, false);
    }
  }

  function pin(m) {
    c.act($("#chat-result"), `Pin ${m.viewer}`, "POST", c.showPath("/control/overlay"),
          { card: { title: m.viewer, text: m.text } });
  }

  function block(viewer) { chatAction(`Block ${viewer}`, "/block", { viewer }); }

  async function refreshChat() {
    if (!c.show) return;
    let d;
    try { d = await api("GET", c.showPath("/control/chat")); } catch (err) {
      $("#chat-summary").textContent = err.message;
      return;
    }
    $("#chat-summary").textContent = d.queue_detail
      ? `${d.waiting} waiting · ${d.answering ? "a brain answers chat" : "no brain: chat is not answered"}`
      : `${d.waiting} waiting on the show's worker (it did not answer just now: the messages show when it does)`;
    $("#chat-queue").replaceChildren(...d.queue.map((m) => el("li", { "data-viewer": m.viewer },
      el("strong", {}, m.viewer), ": ", m.text,
      el("div", { class: "meta" }, [`priority ${m.priority}`, m.gift ? `gift ${m.gift}` : "",
        m.question ? "question" : "", m.first_time ? "first time" : "", `waiting ${Math.round(m.waiting_s)} s`].filter(Boolean).join(" · ")),
      el("div", { class: "actions" },
        el("button", { type: "button", onclick: () => chatAction("Answer now", `/${m.id}/answer`) }, "Answer now"),
        el("button", { type: "button", class: "quiet", onclick: () => pin(m) }, "Pin"),
        el("button", { type: "button", class: "quiet", onclick: () => chatAction("Skip", `/${m.id}/skip`) }, "Skip"),
        el("button", { type: "button", class: "danger", "aria-label": `block ${m.viewer}`, onclick: () => block(m.viewer) }, "Block")))));
    if (!d.queue.length) $("#chat-queue").append(el("li", { class: "muted" }, "Nobody waiting."));
    $("#chat-dropped").replaceChildren(...d.dropped.map((m) => el("li", { "data-viewer": m.viewer },
      el("strong", {}, m.viewer), ": ", m.text,
      el("div", { class: "meta" }, `${m.reason.replace("_", " ")}${m.detail && m.detail !== m.reason ? ": " + m.detail : ""} · ${time(m.ts)} `,
        d.blocked.includes(m.viewer) ? "" : el("button", { type: "button", class: "quiet", "aria-label": `block ${m.viewer}`, onclick: () => block(m.viewer) }, "Block")))));
    $("#chat-replies").replaceChildren(...d.replies.map((r) => {
      const graded = r.grade !== null && r.grade !== undefined;
      return el("li", { "data-grade": graded ? String(r.grade) : null },
        graded ? el("span", { class: `badge grade-${r.grade}`, title: r.graded_by === "brain" ? "the brain's grade" : "graded by the desk",
                              "aria-label": `grade ${r.grade} of 2` }, `${r.grade}/2`) : "", " ",
        r.viewer ? el("span", { class: "muted" }, `to ${r.viewer}: `) : "", r.text,
        el("div", { class: "meta muted" }, [r.asked ? `asked “${r.asked}”` : "",
          r.first_audio_s !== null ? `first audio ${r.first_audio_s.toFixed(2)} s` : "not heard",
          r.faults && r.faults.length ? `faults: ${r.faults.join(", ")}` : "", time(r.ts)].filter(Boolean).join(" · ")));
    }));
    $("#chat-blocked").replaceChildren(...d.blocked.map((v) => el("li", { "data-viewer": v }, v, " ",
      el("button", { type: "button", class: "quiet", onclick: () => chatAction(`Unblock ${v}`, "/unblock", { viewer: v }) }, "Unblock"))));
  }

  // -- health: the same series /metrics exports ----------------------------------------
  const CHARTS = [
    { id: "fps", label: "frame rate", unit: "fps", pick: (m, s) => m.get("vhuman_live_fps", { show: s }) ?? m.get("vhuman_performer_fps", { show: s }) },
    { id: "av", label: "A/V offset here", unit: "ms", pick: () => window.program.avOffsetMs },
    { id: "first_audio", label: "first audio", unit: "s", pick: (m, s) => m.get("vhuman_stage_latency_seconds", { show: s, stage: "text_to_first_audio" }) },
    { id: "quality", label: "quality level", unit: "", pick: () => qualityLevel() },
    { id: "cpu", label: "CPU", unit: "%", rate: true, pick: (m) => scale(m.get("process_cpu_seconds_total", {}), 100) },
    { id: "viewers", label: "viewers", unit: "", pick: (m, s) => sum(m.get("vhuman_viewers", { show: s }), m.get("vhuman_webrtc_peers", {})) },
    { id: "errors", label: "server errors", unit: "/min", rate: 60, pick: (m) => m.sumWhere("vhuman_http_request_seconds_count", (l) => /^5/.test(l.code || "")) },
  ];
  const history = new Map(CHARTS.map((ch) => [ch.id, []]));
  const previous = new Map();

  function qualityLevel() {
    const p = c.status && c.status.performer;
    return p && p.quality && typeof p.quality.level === "number" ? p.quality.level : undefined;
  }
  function scale(v, k) { return v === null || v === undefined ? v : v * k; }
  function sum(a, b) { return a === undefined && b === undefined ? undefined : (a || 0) + (b || 0); }

  function parseMetrics(text) {
    const rows = [];
    for (const line of text.split("\n")) {
      if (!line || line[0] === "#") continue;
      const m = line.match(/^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/);
      if (!m) continue;
      const labels = {};
      for (const part of (m[3] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[part[1]] = part[2];
      rows.push({ name: m[1], labels, value: Number(m[4]) });
    }
    const get = (name, want) => {
      const hit = rows.find((r) => r.name === name && Object.entries(want).every(([k, v]) => r.labels[k] === v));
      return hit ? hit.value : undefined;
    };
    const sumWhere = (name, test) => rows.filter((r) => r.name === name && test(r.labels)).reduce((a, r) => a + r.value, 0);
    return { get, sumWhere };
  }

  function chartNode(ch) {
    let node = $(`#chart-${ch.id}`);
    if (!node) {
      node = el("figure", { class: "chart", id: `chart-${ch.id}`, "aria-label": ch.label },
        el("figcaption", { class: "label" }, ch.label),
        el("div", { class: "value" }, "–"));
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 100 40");
      svg.setAttribute("preserveAspectRatio", "none");
      svg.setAttribute("aria-hidden", "true");
      svg.append(document.createElementNS("http://www.w3.org/2000/svg", "polyline"));
      node.append(svg);
      $("#charts").append(node);
    }
    return node;
  }

  async function refreshHealth() {
    const res = await fetch("/metrics", { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) return;
    const metrics = parseMetrics(await res.text());
    const now = performance.now() / 1000;
    for (const ch of CHARTS) {
      let v = ch.pick(metrics, c.show);
      if (ch.rate && v !== undefined && v !== null) {
        const before = previous.get(ch.id);
        previous.set(ch.id, [now, v]);
        v = before ? ((v - before[1]) / Math.max(1e-3, now - before[0])) * (ch.rate === true ? 1 : ch.rate) : undefined;
      }
      const node = chartNode(ch);
      const series = history.get(ch.id);
      if (v !== undefined && v !== null && Number.isFinite(v)) series.push(v);
      if (series.length > 60) series.shift();
      node.querySelector(".value").textContent = series.length && v !== undefined && v !== null
        ? `${v >= 100 ? Math.round(v) : Number(v.toFixed(2))} ${ch.unit}` : "not reported";
      const hi = Math.max(1e-9, ...series), lo = Math.min(0, ...series);
      node.querySelector("polyline").setAttribute("points", series.map((x, i) =>
        `${(i / 59) * 100},${40 - ((x - lo) / (hi - lo || 1)) * 38 - 1}`).join(" "));
    }
  }

  // -- show log ----------------------------------------------------------------------
  function describeEvent(e) {
    if (e.event === "spoken") return `${e.kind}${e.viewer ? " → " + e.viewer : ""}: ${e.text}` +
      (e.answered ? ` (answering “${e.answered}”)` : "") + (e.source ? ` [${e.source}]` : "");
    const rest = Object.entries(e).filter(([k]) => !["event", "ts", "clock"].includes(k))
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ");
    return rest;
  }

  function renderLog() {
    const q = $("#log-search").value.trim().toLowerCase();
    const shown = logEvents.filter((e) => !q || JSON.stringify(e).toLowerCase().includes(q)).slice(-300).reverse();
    $("#log").replaceChildren(...shown.map((e) => el("li", {},
      el("span", { class: "muted" }, `${time(e.ts)} `), el("span", { class: "kind" }, e.event), describeEvent(e))));
    if (!shown.length) $("#log").append(el("li", { class: "muted" }, q ? "Nothing matches." : "Nothing said yet."));
  }

  async function refreshLog() {
    if (!c.show) return;
    const events = await api("GET", c.showPath("/log?limit=2000"));
    const changed = events.length !== logEvents.length ||
      (events.length && events[events.length - 1].ts !== logEvents[logEvents.length - 1].ts);
    logEvents = events;
    if (changed) renderLog();
  }

  function exportCsv() {
    const cols = ["ts", "event", "kind", "text", "viewer", "answered", "source", "first_audio_s", "id", "type"];
    const cell = (v) => (v === undefined || v === null ? "" : `"${String(typeof v === "object" ? JSON.stringify(v) : v).replace(/"/g, '""')}"`);
    const rows = [cols.join(","), ...logEvents.map((e) => cols.map((k) => cell(k === "ts" ? new Date(e.ts * 1000).toISOString() : e[k])).join(","))];
    download(`${c.show}-log.csv`, "text/csv", rows.join("\n"));
  }

  function start() {
    $("#insert-form").addEventListener("submit", insert);
    $("#log-search").addEventListener("input", renderLog);
    $("#log-json").addEventListener("click", () => download(`${c.show}-log.json`, "application/json", JSON.stringify(logEvents, null, 1)));
    $("#log-csv").addEventListener("click", exportCsv);
    c.onShow(() => { logEvents = []; timeline = null; renderLog(); refreshTimeline(); refreshChat(); refreshLog(); });
    every(1000, refreshTimeline);
    every(1500, refreshChat);
    every(2000, refreshHealth);
    every(2500, refreshLog);
  }

  // the control room signs in first; the panels start with it
  const wait = setInterval(() => {
    if (document.body.dataset.signedIn === "true") { clearInterval(wait); start(); }
  }, 100);
})();
