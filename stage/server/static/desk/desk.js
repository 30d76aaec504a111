// Shared by the control room and the press desk: sign-in, API calls with the session's
// CSRF token, clear states (wrong key, expired session, server unreachable), results
// announced to screen readers. Text from the server is always inserted as text.
"use strict";

window.desk = (() => {
  let csrf = null;
  let session = null;
  let needed = "viewer";
  let started = false;
  let startApp = null;
  let expiryTimer = null;

  const $ = (sel, root = document) => root.querySelector(sel);

  /** Build an element: attrs (class, id, aria-*, data-*, on*) and children (text or nodes). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  class ApiError extends Error {
    constructor(status, message, problems) {
      super(message);
      this.status = status;
      this.problems = problems || [];
    }
  }

  /** A readable message from an error body: detail text, {message, problems} or field list. */
  function describe(data, status) {
    const d = data && data.detail !== undefined ? data.detail : data;
    if (typeof d === "string") return { message: d, problems: [] };
    if (Array.isArray(d)) {
      return { message: d.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message || JSON.stringify(p))).join("; "),
               problems: [] };
    }
    if (d && typeof d === "object") return { message: d.message || JSON.stringify(d), problems: d.problems || [] };
    return { message: `request failed (${status})`, problems: [] };
  }

  /** Announce ``text`` to screen readers; errors (and ``toast``) also pop up a note. */
  function say(text, kind = "done", toast = kind === "error") {
    const live = $("#announce");
    if (live) live.textContent = text;
    const box = $("#toasts");
    if (!box || !toast) return;
    const t = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : null }, text);
    box.append(t);
    setTimeout(() => t.remove(), kind === "error" ? 9000 : 4000);
    while (box.children.length > 4) box.firstChild.remove();
  }

  /** Call the API; throws ApiError (and shows the sign-in form on an ended session). */
  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && method !== "HEAD" && csrf) headers["X-CSRF-Token"] = csrf;
    let res;
    try {
      res = await fetch(path, { method, headers, credentials: "same-origin", cache: "no-store",
                                body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      setConnection(false);
      throw new ApiError(0, "the server cannot be reached; retrying");
    }
    setConnection(true);
    let data = null;
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch (err) { data = text; }
    if (!res.ok) {
      const { message, problems } = describe(data, res.status);
      if (res.status === 401 && path !== "/v1/session") sessionEnded(message);
      throw new ApiError(res.status, message, problems);
    }
    return data;
  }

  function setConnection(up) {
    const node = $("#connection");
    if (!node) return;
    const text = up ? "" : "Server unreachable — retrying…";
    if (node.textContent !== text) node.textContent = text;
  }

  function sessionEnded(message) {
    if (!session) return;
    session = null;
    csrf = null;
    const expired = /expired/i.test(message || "");
    showSignIn(expired ? "Your session expired. Sign in again to go on."
                       : `You are signed out (${message}). Sign in again.`);
  }

  function showSignIn(message) {
    $("#app").hidden = true;
    $("#signin").hidden = false;
    $("#signin .state").textContent = message || "";
    document.body.dataset.signedIn = "false";
    const key = $("#key");
    key.value = "";
    key.focus();
  }

  function signedIn(s) {
    session = s;
    csrf = s.csrf;
    $("#signin").hidden = true;
    $("#app").hidden = false;
    document.body.dataset.signedIn = "true";
    const who = $("#who");
    if (who) who.textContent = `signed in: ${s.name}`;
    clearTimeout(expiryTimer);
    const left = s.expires * 1000 - Date.now();
    if (left > 0 && left < 2 ** 31) {
      expiryTimer = setTimeout(() => sessionEnded("session expired"), left + 500);
    }
    if (!started) {
      started = true;
      startApp();
    }
  }

  function allowed(role) {
    const rank = { viewer: 0, reporter: 1, host: 2 };
    return (rank[role] ?? -1) >= (rank[needed] ?? 9);
  }

  async function signIn(ev) {
    ev.preventDefault();
    const state = $("#signin .state");
    state.textContent = "Checking…";
    try {
      const s = await api("POST", "/v1/session", { key: $("#key").value });
      if (!allowed(s.role)) {
        await api("DELETE", "/v1/session").catch(() => {});
        state.textContent = `That is a ${s.role} key; this page needs a ${needed} key.`;
        return;
      }
      signedIn(s);
      say(`Signed in as ${s.name}`);
    } catch (err) {
      state.textContent = err.status === 401 ? "Wrong key: that key is not valid on this server."
                                             : err.message;
      $("#key").select();
    }
  }

  async function signOut() {
    await api("DELETE", "/v1/session").catch(() => {});
    session = null;
    csrf = null;
    showSignIn("Signed out.");
  }

  /** Start the page: ``role`` it needs, ``start`` runs once after sign-in. */
  async function init(role, start) {
    needed = role;
    startApp = start;
    $("#signin form").addEventListener("submit", signIn);
    const out = $("#signout");
    if (out) out.addEventListener("click", signOut);
    try {
      const s = await api("GET", "/v1/session");
      if (allowed(s.role)) signedIn(s);
      else showSignIn(`Signed in with a ${s.role} key; this page needs a ${role} key.`);
    } catch (err) {
      const expired = /expired/i.test(err.message);
      showSignIn(expired ? "Your session expired. Sign in again to go on." : "");
    }
  }

  /** Run ``fn`` every ``ms`` while signed in and the tab is visible (never overlapping). */
  function every(ms, fn) {
    let busy = false;
    const tick = async () => {
      if (busy || !session || document.hidden) return;
      busy = true;
      try { await fn(); } catch (err) { /* shown by fn or by the connection line */ }
      finally { busy = false; }
    };
    setInterval(tick, ms);
    tick();
  }

  /** Show an action's outcome next to it (and announce it). */
  function result(node, text, ok = true) {
    if (node) {
      node.textContent = text;
      node.className = `result ${ok ? "done" : "error"}`;
    }
    say(text, ok ? "done" : "error", !ok && !node);
  }

  function download(name, type, content) {
    const url = URL.createObjectURL(new Blob([content], { type }));
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function time(ts) {
    return new Date(ts * 1000).toLocaleTimeString();
  }

  return { $, el, api, init, every, say, result, download, time, ApiError,
           get session() { return session; }, get csrf() { return csrf; } };
})();
