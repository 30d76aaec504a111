// vhuman viewer page: the show's chat (one socket: send, acks, everyone's chat and the
// replies), its status and the promo card. Video and audio are the live client's
// (web/viewer.js, loaded first). A viewer key travels in the HttpOnly cookie the server
// set, never in a URL. Everything viewers or shows send is inserted with textContent.
// Served by a bare WebRTC output (no show server: its status is 404), the page is video
// only (body.bare).
"use strict";
(function () {
  const parts = location.pathname.split("/");
  const showId = decodeURIComponent(parts[parts.indexOf("shows") + 1] || "main");
  const logEl = document.getElementById("log");
  const video = document.getElementById("video");
  const sent = new Map(); // ref -> our own line (shown at once; the echo is skipped)
  let refs = 0;
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

  document.getElementById("chat").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = document.getElementById("name").value.trim();
    const input = document.getElementById("message");
    const text = input.value.trim();
    if (!text || !events || events.readyState !== WebSocket.OPEN) return;
    const ref = `p${Date.now().toString(36)}-${++refs}`;
    events.send(JSON.stringify({ viewer: name, text, ref }));
    sent.set(ref, line("chat own", name, text));
    input.value = "";
  });

  function onAck(msg) {
    window.vhuman.chat.push(msg);
    const own = sent.get(msg.ref);
    if (!msg.accepted) {
      sent.delete(msg.ref);
      if (own) own.classList.add("rejected");
      line("rejected", "", `(not sent: ${msg.reason}${msg.detail ? " — " + msg.detail : ""})`);
    }
  }

  function onEvent(msg) {
    if (msg.type === "ack") onAck(msg);
    else if (msg.type === "chat" && !(msg.ref && sent.delete(msg.ref)))
      line("chat", String(msg.viewer), String(msg.text));
    else if (msg.type === "chat_batch") {
      for (const m of msg.messages || []) {
        if (!(m.ref && sent.delete(m.ref))) line("chat", String(m.viewer), String(m.text));
      }
    }
    else if (msg.type === "reply") line("reply", "host", String(msg.text));
    else if (msg.type === "error") line("error", "", String(msg.detail));
    else if (msg.type === "caption") showCaption(msg);
    else if (msg.type === "caption_cut") cutCaption(msg);
    else if (msg.type === "caption_translation") showTranslation(msg);
    const hook = window.vhuman && window.vhuman.onEvent;
    if (typeof hook === "function") hook(msg);
  }

  // Live captions: cues arrive when their words are heard; the CC button hides them
  // (remembered in this browser). The host is white, people yellow/cyan (as burned in).
  const capBox = document.getElementById("captions");
  const capText = capBox.querySelector("span");
  const ccButton = document.getElementById("cc");
  let capTimer = null;
  let capLine = null;
  let capId = "";
  let capRev = 0;
  let ccOn = localStorage.getItem("vhuman-cc") !== "off";
  function setCc(on) {
    ccOn = on;
    ccButton.setAttribute("aria-pressed", on ? "true" : "false");
    capBox.hidden = !on;
    localStorage.setItem("vhuman-cc", on ? "on" : "off");
  }
  ccButton.addEventListener("click", () => setCc(!ccOn));
  setCc(ccOn);
  // A person's caption comes in revisions (id, rev): each one replaces the words shown
  // so far, a late older revision is ignored; the final one ends it.
  function showCaption(msg) {
    window.vhuman.captions.push(msg);
    if (window.vhuman.captions.length > 200) window.vhuman.captions.shift();
    const id = msg.id ? String(msg.id) : "";
    if (id && id === capId && Number(msg.rev) <= capRev) return;
    capId = id;
    capRev = id ? Number(msg.rev) || 0 : 0;
    const who = msg.role === "host" ? "" : `${msg.speaker}: `;
    capText.textContent = who + String(msg.text);
    capText.style.color = msg.role === "host" ? "#fff" : "#ffe640";
    capText.lang = String(msg.language || "");
    capLine = msg.line;
    clearTimeout(capTimer);
    const ms = Math.max(1000, (Number(msg.end) - Number(msg.start)) * 1000 + 300);
    capTimer = setTimeout(() => { capText.textContent = ""; }, ms);
  }
  // The second language (when the server translates): its own toggle, off by default,
  // shown under the caption it translates while that caption is up.
  const trText = capBox.querySelector(".tr");
  const trButton = document.getElementById("tr");
  let trOn = localStorage.getItem("vhuman-tr") === "on";
  let trTimer = null;
  function setTr(on) {
    trOn = on;
    trButton.setAttribute("aria-pressed", on ? "true" : "false");
    trText.hidden = !on;
    localStorage.setItem("vhuman-tr", on ? "on" : "off");
  }
  trButton.addEventListener("click", () => setTr(!trOn));
  setTr(trOn);
  function showTranslation(msg) {
    window.vhuman.translations.push(msg);
    if (window.vhuman.translations.length > 200) window.vhuman.translations.shift();
    trButton.hidden = false;
    trButton.textContent = String(msg.language || "Tr").toUpperCase();
    trText.textContent = String(msg.text);
    trText.lang = String(msg.language || "");
    trText.style.color = msg.role === "host" ? "#fff" : "#ffe640";
    clearTimeout(trTimer);
    const ms = Math.max(1500, (Number(msg.end) - Number(msg.start)) * 1000 + 800);
    trTimer = setTimeout(() => { trText.textContent = ""; }, ms);
  }
  function cutCaption(msg) {
    if ((msg.line !== undefined && msg.line === capLine) || (msg.id && String(msg.id) === capId)) {
      capText.textContent = "";
      clearTimeout(capTimer);
    }
  }

  function connectEvents() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    events = new WebSocket(`${proto}//${location.host}${base}/chat/ws`);
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
    let state = s.ready === false ? (s.error ? "unavailable" : "warming up…")
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

  let started = false;
  async function poll() {
    try {
      const res = await fetch(base, { cache: "no-store", credentials: "same-origin" });
      if (res.status === 404 && !started) {  // a bare WebRTC output: no show server
        document.body.classList.add("bare");
        window.vhuman.bare = true;
        return;
      }
      if (!started) { started = true; connectEvents(); }
      if (res.ok) showStatus(await res.json());
    } catch (e) { /* the server restarts: try again */ }
    setTimeout(poll, 2000);
  }

  // Hooks for embedding pages (window.vhuman is created by viewer.js).
  window.vhuman = Object.assign(window.vhuman || {}, {
    chat: [],
    captions: [],
    translations: [],
    showId: showId,
    video: video,
    attachStream(stream) { video.srcObject = stream; },
    addLine: line,
    onEvent: null,
  });
  poll();
})();
