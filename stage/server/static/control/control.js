// The control room: shows (list, create from a rundown, delete), the transport
// (start / pause / resume / skip / stop), the take-over controls and keyboard shortcuts.
// The run-of-show, chat desk, health and log panels are in panels.js.
"use strict";

window.control = (() => {
  const { $, el, api, every, result, say } = window.desk;
  const state = { show: null, status: null, library: null, listeners: [] };

  const enc = (s) => encodeURIComponent(s);
  const showPath = (suffix = "") => `/v1/shows/${enc(state.show)}${suffix}`;

  /** Run an action, show its result next to ``out`` (or its error), return the response. */
  async function act(out, label, method, path, body) {
    if (!state.show && path.includes("/v1/shows/null")) {
      result(out, "Pick a show first.", false);
      return null;
    }
    try {
      const t0 = performance.now();
      const r = await api(method, path, body);
      window.control.lastAction = { label, ms: performance.now() - t0 };
      result(out, `${label}: done`);
      refreshStatus();
      return r;
    } catch (err) {
      result(out, `${label} failed: ${err.message}`, false);
      return null;
    }
  }

  function onShow(fn) { state.listeners.push(fn); }

  function select(showId) {
    if (state.show === showId) return;
    state.show = showId;
    state.status = null;
    history.replaceState(null, "", showId ? `#show=${enc(showId)}` : "#");
    const sel = $("#show-select");
    if (showId && sel.value !== showId) sel.value = showId;
    window.program.connect(showId);
    for (const fn of state.listeners) fn(showId);
    refreshStatus();
  }

  async function refreshShows() {
    const shows = await api("GET", "/v1/shows");
    const sel = $("#show-select");
    const ids = shows.map((s) => s.id);
    sel.replaceChildren(...shows.map((s) => el("option", { value: s.id }, s.title ? `${s.id} — ${s.title}` : s.id)));
    if (!shows.length) sel.append(el("option", { value: "" }, "no shows"));
    $("#shows").replaceChildren(...shows.map((s) => el("tr", {},
      el("td", {}, el("button", { type: "button", class: "quiet", onclick: () => select(s.id) }, s.id),
         s.title ? el("div", { class: "muted small" }, s.title) : null),
      el("td", {}, s.error ? el("span", { class: "bad" }, `error: ${s.error}`)
                           : !s.ready ? "warming up" : (s.show ? s.show.state : "no rundown running")),
      el("td", {}, el("button", { type: "button", class: "danger", "aria-label": `delete show ${s.id}`,
                                  onclick: () => removeShow(s.id) }, "Delete")))));
    if (state.show && !ids.includes(state.show)) {
      say(`Show ${state.show} is gone (deleted from another control room or the server restarted).`, "error");
      select(ids[0] || null);
    } else if (!state.show && ids.length) {
      const wanted = new URLSearchParams(location.hash.slice(1)).get("show");
      select(ids.includes(wanted) ? wanted : ids[0]);
    } else if (state.show) {
      sel.value = state.show;
    }
  }

  async function removeShow(id) {
    if (!confirm(`Delete show ${id}? Its program stops for every viewer.`)) return;
    await act($("#create-result"), `Delete ${id}`, "DELETE", `/v1/shows/${enc(id)}`);
    refreshShows();
  }

  async function refreshStatus() {
    if (!state.show) {
      $("#show-state").textContent = "no show";
      return;
    }
    const id = state.show;
    try {
      const s = await api("GET", showPath());
      if (id !== state.show) return;
      state.status = s;
      const run = s.show ? s.show.state : (s.ready ? "idle" : "warming up");
      $("#show-state").textContent = s.error ? "error" : run;
      $("#show-state").className = `badge ${run === "running" ? "on_air" : ""}`;
      const p = s.performer || {};
      const seg = s.show && s.show.segment ? `segment ${s.show.segment.id} (${s.show.segment.type})` : "";
      if (p.camera) showShot(p.camera.shot);
      $("#now").textContent = [seg, p.speaking ? `speaking: “${p.current || ""}”` : "silent",
                               p.emotion ? `emotion ${p.emotion}` : "",
                               p.camera && p.camera.shot !== "wide" ? `camera ${p.camera.shot.replace("_", "-")}` : "",
                               s.error ? `error: ${s.error}` : ""].filter(Boolean).join(" · ");
      const running = run === "running", paused = run === "paused";
      $("#start").disabled = running || paused || !s.title;
      $("#pause").disabled = !running;
      $("#resume").disabled = !paused;
      $("#skip").disabled = !(running || paused);
      $("#stop").disabled = !(running || paused);
    } catch (err) {
      if (err.status === 404 && id === state.show) {
        say(`Show ${id} was deleted (from another control room?).`, "error");
        $("#now").textContent = `Show ${id} no longer exists.`;
        refreshShows().catch(() => {});
      }
    }
  }

  async function create(ev) {
    ev.preventDefault();
    const out = $("#create-result");
    const problems = $("#create-problems");
    problems.replaceChildren();
    const body = { start: $("#create-start").checked };
    const id = $("#create-id").value.trim();
    if (id) body.id = id;
    const file = $("#create-file").files[0];
    if (file) body.rundown_yaml = await file.text();
    else if ($("#create-path").value) body.rundown_path = $("#create-path").value;
    else { result(out, "Pick a rundown from the media root or upload one.", false); return; }
    $("#create-button").disabled = true;
    out.textContent = "Loading the rundown and warming the show up…";
    try {
      const s = await api("POST", "/v1/shows", body);
      result(out, `Show ${s.id} created${body.start ? " and starting" : ""}.`);
      $("#create-file").value = "";
      await refreshShows();
      select(s.id);
    } catch (err) {
      result(out, `Could not create the show: ${err.message}`, false);
      problems.replaceChildren(...err.problems.map((p) => el("li", {}, p)));
      if (err.problems.length) problems.focus();
    } finally {
      $("#create-button").disabled = false;
    }
  }

  function fillSelect(sel, values, keepFixed = true) {
    if (sel.dataset.fixed === undefined) sel.dataset.fixed = keepFixed ? String(sel.options.length) : "0";
    const fixed = [...sel.options].slice(0, Number(sel.dataset.fixed));
    sel.replaceChildren(...fixed, ...values.map((v) => el("option", { value: v }, v)));
  }

  async function loadLibrary() {
    const lib = await api("GET", "/v1/control/library");
    state.library = lib;
    fillSelect($("#create-path"), lib.rundowns);
    fillSelect($("#say-emotion"), lib.emotions);
    fillSelect($("#say-gesture"), lib.gestures);
    fillSelect($("#dance-style"), lib.dance_styles, false);
    fillSelect($("#dance-music"), lib.music);
    fillSelect($("#sing-score"), lib.scores, false);
    fillSelect($("#sing-backing"), lib.music);
    fillSelect($("#insert-type"), lib.segment_types, false);
    fillSelect($("#insert-file"), [...lib.scores, ...lib.music]);
    const out = $("#takeover-result");
    $("#emotions").replaceChildren(...lib.emotions.map((e, i) => el("button", {
      type: "button", class: "quiet", "data-emotion": e, "aria-keyshortcuts": i < 9 ? String(i + 1) : null,
      onclick: () => act(out, `Emotion ${e}`, "POST", showPath("/control/emotion"), { emotion: e }) }, e)));
    $("#gestures").replaceChildren(...lib.gestures.map((g) => el("button", {
      type: "button", class: "quiet", "data-gesture": g,
      onclick: () => act(out, `Gesture ${g}`, "POST", showPath("/control/gesture"), { name: g }) },
      g.replace(/_/g, " "))));
  }

  async function sayNow(ev) {
    ev.preventDefault();
    const text = $("#say-text").value.trim();
    if (!text) return;
    const body = { text };
    if ($("#say-emotion").value) body.emotion = $("#say-emotion").value;
    const gesture = $("#say-gesture").value;
    const r = await act($("#say-result"), "Say now", "POST", showPath("/control/say"), body);
    if (r) {
      window.control.lastSay = { text, at: performance.now() };
      $("#say-text").value = "";
      if (gesture) act($("#say-result"), `Gesture ${gesture}`, "POST", showPath("/control/gesture"), { name: gesture });
    }
  }

  /** Cut (or ease) the program to a camera shot. */
  async function camera(shot, ease) {
    const r = await act($("#takeover-result"), `Camera ${shot.replace("_", "-")}${ease ? " (ease)" : ""}`,
                        "POST", showPath("/control/camera"), { shot, transition: ease ? "ease" : "cut" });
    if (r) showShot(r.detail.shot);
  }

  function showShot(shot) {
    for (const b of document.querySelectorAll("#cameras button")) {
      b.setAttribute("aria-pressed", String(b.dataset.shot === shot));
    }
  }

  function interrupt() {
    window.control.lastInterrupt = performance.now();
    return act($("#say-result"), "Interrupt", "POST", showPath("/control/interrupt"), { reason: "host" });
  }

  function overlay(card, label) {
    return act($("#takeover-result"), label, "POST", showPath("/control/overlay"), { card });
  }

  function wire() {
    const t = $("#transport-result");
    for (const name of ["start", "pause", "resume", "skip", "stop"]) {
      $(`#${name}`).addEventListener("click", () => act(t, name[0].toUpperCase() + name.slice(1),
                                                        "POST", showPath(`/${name}`)));
    }
    $("#show-select").addEventListener("change", (ev) => select(ev.target.value || null));
    $("#create-form").addEventListener("submit", create);
    $("#create-path").addEventListener("change", () => { if ($("#create-path").value) $("#create-file").value = ""; });
    $("#say-form").addEventListener("submit", sayNow);
    $("#say-text").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("#say-form").requestSubmit(); }
    });
    $("#interrupt").addEventListener("click", interrupt);
    $("#listen").addEventListener("click", (ev) => window.program.listen(ev.target));
    $("#dance").addEventListener("click", () => {
      const body = { style: $("#dance-style").value, duration: Number($("#dance-seconds").value) || 8 };
      if ($("#dance-music").value) body.music = $("#dance-music").value;
      act($("#takeover-result"), "Dance", "POST", showPath("/control/dance"), body);
    });
    $("#sing").addEventListener("click", () => {
      if (!$("#sing-score").value) { result($("#takeover-result"), "No song in the media root.", false); return; }
      act($("#takeover-result"), "Sing", "POST", showPath("/control/sing"),
          { score: $("#sing-score").value, backing: $("#sing-backing").value });
    });
    $("#card-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const card = { name: $("#card-name").value.trim(),
                     selling_points: $("#card-points").value.split("\n").map((s) => s.trim()).filter(Boolean) };
      if ($("#card-price").value) { card.price = Number($("#card-price").value); card.currency = $("#card-currency").value.trim(); }
      overlay(card, "Product card");
    });
    $("#third-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      overlay({ title: $("#third-title").value.trim(), text: $("#third-text").value.trim() }, "Lower third");
    });
    $("#clear-overlay").addEventListener("click", () => overlay(null, "Clear overlay"));
    for (const b of document.querySelectorAll("#cameras button")) {
      b.addEventListener("click", () => camera(b.dataset.shot, $("#camera-ease").checked));
    }
    $("#shortcuts-toggle").addEventListener("click", toggleHelp);
    document.addEventListener("keydown", shortcut);
  }

  function toggleHelp() {
    const box = $("#shortcuts");
    box.hidden = !box.hidden;
    $("#shortcuts-toggle").setAttribute("aria-expanded", String(!box.hidden));
  }

  const SHOT_KEYS = { z: "wide", x: "medium", c: "close_up", v: "guest" };

  function shortcut(ev) {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ["input", "textarea", "select"].includes(tag)) return;
    if (document.body.dataset.signedIn !== "true") return;
    const k = ev.key;
    const emotions = state.library ? state.library.emotions : [];
    if (k === "/") { ev.preventDefault(); $("#say-text").focus(); }
    else if (k === "i") interrupt();
    else if (k === "p") {
      const run = state.status && state.status.show ? state.status.show.state : "";
      act($("#transport-result"), run === "paused" ? "Resume" : "Pause", "POST",
          showPath(run === "paused" ? "/resume" : "/pause"));
    } else if (k === "n") act($("#transport-result"), "Skip", "POST", showPath("/skip"));
    else if (k === "w") act($("#takeover-result"), "Gesture wave", "POST", showPath("/control/gesture"), { name: "wave" });
    else if (k === "o") overlay(null, "Clear overlay");
    else if (SHOT_KEYS[k.toLowerCase()]) camera(SHOT_KEYS[k.toLowerCase()], ev.shiftKey);
    else if (k === "?") toggleHelp();
    else if (/^[1-9]$/.test(k) && emotions[Number(k) - 1]) {
      const e = emotions[Number(k) - 1];
      act($("#takeover-result"), `Emotion ${e}`, "POST", showPath("/control/emotion"), { emotion: e });
    } else return;
    ev.preventDefault();
  }

  function start() {
    wire();
    loadLibrary().catch((err) => say(`Cannot read the media library: ${err.message}`, "error"));
    every(3000, refreshShows);
    every(1000, refreshStatus);
  }

  window.desk.init("host", start);
  return { act, onShow, showPath, select, refreshShows,
           get show() { return state.show; }, get status() { return state.status; },
           get library() { return state.library; } };
})();
