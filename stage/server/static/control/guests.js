// Control room guests panel: invite (name, role, expiry; the link shown once to copy),
// the guests of the selected show with their live state, admit / mute / unmute / remove,
// and the program layout. Uses /v1/shows/{id}/guests, …/guests/control and …/program.
"use strict";

(() => {
  const { $, el, api, every, result } = window.desk;
  const c = window.control;
  const LABELS = { invited: "invited", waiting: "waiting to be admitted", on_air: "on air",
                   muted: "on air, muted", left: "left", removed: "removed", expired: "expired" };
  // what the host can do in each state (the room refuses anything else)
  const ACTIONS = { invited: ["remove"], waiting: ["admit", "remove"], on_air: ["mute", "remove"],
                    muted: ["unmute", "remove"], left: ["remove"], removed: [], expired: [] };
  const panel = { guests: [], layout: null, available: true };
  window.guests = panel;

  function setLayout(layout) {
    panel.layout = layout;
    for (const b of document.querySelectorAll("#layouts button")) {
      b.setAttribute("aria-pressed", String(b.dataset.layout === layout));
    }
  }

  function media(g) {
    const bits = [`link ${g.link}`];
    if (g.video || g.audio) bits.push([g.video ? "camera" : "", g.audio ? "microphone" : ""].filter(Boolean).join(" + "));
    if (g.camera) bits.push(`${g.camera[0]}×${g.camera[1]}`);
    if (g.frames !== undefined) bits.push(`${g.frames} frames`);
    if (g.level !== undefined && g.state === "on_air") bits.push(`level ${Math.round(g.level * 100)}%`);
    if (g.state === "invited") bits.push(`invite ends ${new Date(g.expires_at * 1000).toLocaleTimeString()}`);
    if (g.note) bits.push(g.note);
    return bits.join(" · ");
  }

  function render() {
    const list = $("#guests");
    if (!panel.available) return;
    if (!panel.guests.length) {
      list.replaceChildren(el("li", { class: "muted small" }, "No guests invited to this show."));
      return;
    }
    // keep a focused button focused across refreshes (keyboard users)
    const focused = document.activeElement && document.activeElement.closest("#guests li")
      ? [document.activeElement.closest("li").dataset.guest, document.activeElement.dataset.action] : null;
    list.replaceChildren(...panel.guests.map((g) => el("li", { "data-guest": g.id, "data-state": g.state },
      el("span", {}, el("strong", {}, g.name), ` (${g.role})`),
      el("span", { class: `badge ${g.state === "on_air" || g.state === "muted" ? "on_air" : g.state === "waiting" ? "next" : ""}` },
         LABELS[g.state] || g.state),
      el("span", { class: "meta" }, media(g)),
      el("span", { class: "actions" }, ...(ACTIONS[g.state] || []).map((a) => el("button", {
        type: "button", class: a === "remove" ? "danger" : a === "admit" ? "" : "quiet", "data-action": a,
        "aria-label": `${a} ${g.name}`, onclick: () => control(g, a) }, a[0].toUpperCase() + a.slice(1)))))));
    if (focused) {
      const b = $(`#guests li[data-guest="${CSS.escape(focused[0])}"] button[data-action="${CSS.escape(focused[1] || "")}"]`)
        || $(`#guests li[data-guest="${CSS.escape(focused[0])}"] button`);
      if (b) b.focus();
    }
  }

  async function refresh() {
    if (!c.show) { panel.guests = []; render(); return; }
    const id = c.show;
    try {
      const d = await api("GET", c.showPath("/guests"));
      if (id !== c.show) return;
      panel.available = true;
      panel.guests = d.guests;
      setLayout(d.layout);
      render();
    } catch (err) {
      if (id !== c.show || !err.status) return;
      panel.available = false;
      panel.guests = [];
      $("#guests").replaceChildren(el("li", { class: "muted small" }, err.message));
    }
  }

  async function control(g, action) {
    const out = $("#guests-result");
    const t0 = performance.now();
    try {
      const r = await api("POST", c.showPath("/guests/control"), { guest: g.id, action });
      panel.lastAction = { guest: g.id, action, at: t0, ms: performance.now() - t0 };
      result(out, `${action[0].toUpperCase() + action.slice(1)} ${g.name}: now ${LABELS[r.guest.state] || r.guest.state}.`);
    } catch (err) {
      result(out, `${action} ${g.name} failed: ${err.message}`, false);
    }
    refresh();
  }

  async function invite(ev) {
    ev.preventDefault();
    const out = $("#invite-result");
    const name = $("#invite-name").value.trim();
    if (!name) { result(out, "Give the guest's name.", false); return; }
    try {
      const r = await api("POST", c.showPath("/guests"), {
        name, role: $("#invite-role").value, ttl_s: Number($("#invite-ttl").value) });
      const link = new URL(r.link, location.origin).href;
      panel.lastInvite = { guest: r.guest, link };
      $("#invite-link").value = link;
      $("#invite-share").hidden = false;
      $("#invite-name").value = "";
      result(out, `Invited ${r.guest.name} as ${r.guest.role}. Copy the link now: it is not shown again.`);
      $("#invite-link").focus();
      $("#invite-link").select();
      refresh();
    } catch (err) {
      result(out, `Invite failed: ${err.message}`, false);
    }
  }

  async function copy() {
    const box = $("#invite-link");
    try {
      await navigator.clipboard.writeText(box.value);
      result($("#invite-result"), "Invite link copied.");
    } catch (err) {  // no clipboard (http, permissions): leave it selected to copy by hand
      box.focus();
      box.select();
      result($("#invite-result"), "Link selected: press Ctrl+C to copy it.");
    }
  }

  async function layout(name) {
    const out = $("#guests-result");
    const t0 = performance.now();
    try {
      const r = await api("PUT", c.showPath("/program"), { layout: name });
      panel.lastAction = { action: `layout ${name}`, at: t0, ms: performance.now() - t0 };
      setLayout(r.layout);
      result(out, `Layout: ${name.replace(/_/g, " ")}.`);
    } catch (err) {
      result(out, `Layout failed: ${err.message}`, false);
    }
  }

  $("#invite-form").addEventListener("submit", invite);
  $("#invite-copy").addEventListener("click", copy);
  for (const b of document.querySelectorAll("#layouts button")) {
    b.addEventListener("click", () => layout(b.dataset.layout));
  }
  c.onShow(() => {
    panel.guests = [];
    $("#invite-share").hidden = true;
    $("#invite-link").value = "";
    refresh();
  });
  every(1500, refresh);
  panel.refresh = refresh;
})();
