// vhuman viewer page: the show's chat and replies, its status and the promo card.
// Video, audio and sending chat are done by the live client (web/viewer.js), loaded first.
// Everything viewers or shows send is inserted with textContent, never parsed as HTML.
"use strict";
(function () {
  const parts = location.pathname.split("/");
  const showId = decodeURIComponent(parts[parts.indexOf("shows") + 1] || "main");
  const query = new URLSearchParams(location.search);
  const key = query.get("key");
  const logEl = document.getElementById("log");
  const video = document.getElementById("video");
  const pending = []; // {name, text, at}: our own messages, already shown by viewer.js
  const base = `/v1/shows/${encodeURIComponent(showId)}`;
  let events = null;

  function line(kind, name, text) {
    const li = document.createElement("li");
    li.className = kind;
    if (name) {
      const who = document.createElement("span");
      who.className = "name";
      who.textContent = name;
      li.appendChild(who);
    }
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.appendChild(body);
    logEl.appendChild(li);
    while (logEl.children.length > 300) logEl.removeChild(logEl.firstChild);
    logEl.scrollTop = logEl.scrollHeight;
    return li;
  }

  function ours(msg) {
    const now = Date.now();
    while (pending.length && now - pending[0].at > 30000) pending.shift();
    const i = pending.findIndex((p) => p.name === msg.viewer && p.text === msg.text);
    if (i < 0) return false;
    pending.splice(i, 1);
    return true;
  }

  // Capture phase: runs before viewer.js's submit handler clears the input.
  document.addEventListener("submit", (ev) => {
    if (ev.target.id !== "chat") return;
    const name = document.getElementById("name").value.trim();
    const text = document.getElementById("message").value.trim();
    if (text) pending.push({ name, text, at: Date.now() });
  }, true);

  function onEvent(msg) {
    if (msg.type === "chat" && !ours(msg)) line("chat", String(msg.viewer), String(msg.text));
    else if (msg.type === "reply") line("reply", "host", String(msg.text));
    else if (msg.type === "error") line("error", "", String(msg.detail));
    const hook = window.vhuman && window.vhuman.onEvent;
    if (typeof hook === "function") hook(msg);
  }

  function connectEvents() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = key ? `?key=${encodeURIComponent(key)}` : "";
    events = new WebSocket(`${proto}//${location.host}${base}/chat/ws${q}`);
    events.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && typeof msg === "object") onEvent(msg);
    };
    events.onclose = () => setTimeout(connectEvents, 2000);
  }

  function setText(sel, text) {
    const el = document.querySelector(sel);
    if (el.textContent !== text) el.textContent = text;
  }

  function showCard(card) {
    const box = document.getElementById("card");
    if (!card || typeof card !== "object") { box.hidden = true; return; }
    const title = String(card.name || card.title || "");
    let price = "";
    if (card.price !== undefined && card.price !== null && card.price !== "") {
      price = typeof card.price === "number"
        ? `${card.price} ${card.currency || ""}`.trim() : String(card.price);
    }
    const points = Array.isArray(card.selling_points) ? card.selling_points.map(String) : [];
    if (card.text) points.unshift(String(card.text));
    setText("#card .name", title);
    setText("#card .price", price);
    const list = box.querySelector(".points");
    const key = JSON.stringify(points);
    if (list.dataset.key !== key) {
      list.replaceChildren(...points.map((p) => {
        const li = document.createElement("li");
        li.textContent = p;
        return li;
      }));
      list.dataset.key = key;
    }
    box.hidden = !(title || price || points.length);
  }

  function showStatus(s) {
    setText("#show .title", String(s.title || s.id || showId));
    const show = s.show;
    let state = s.ready === false ? (s.error ? `unavailable: ${s.error}` : "warming up…")
      : "live";
    if (show) {
      state = `${show.state}`;
      if (show.segment) state += ` · ${show.segment.type} ${show.segment.id || ""}`.trimEnd();
    }
    const perf = s.performer || {};
    if (perf.speaking) state += " · speaking";
    setText("#show .state", state);
    showCard(perf.overlay);
    window.vhuman.show = s;
  }

  async function poll() {
    try {
      const headers = key ? { "X-API-Key": key } : {};
      const res = await fetch(base, { headers, cache: "no-store" });
      if (res.ok) showStatus(await res.json());
    } catch (e) { /* the server restarts: try again */ }
    setTimeout(poll, 2000);
  }

  // Hooks for embedding pages (window.vhuman is created by viewer.js).
  window.vhuman = Object.assign(window.vhuman || {}, {
    showId: showId,
    video: video,
    attachStream(stream) { video.srcObject = stream; },
    addLine: line,
    onEvent: null,
  });
  connectEvents();
  poll();
})();
