// vhuman guest page: opens the invite (token in the URL fragment, never sent as a URL),
// asks for camera and microphone, joins over WebRTC (sends both, receives the program
// without the guest's own voice) and shows where the guest stands (waiting for the
// host, on air, muted, removed). Works without a camera or a microphone. A lost
// connection (the network, or the show moving to another server) is joined again with
// the same invite; the host's admission is kept.
"use strict";
(function () {
  const parts = location.pathname.split("/");
  const showId = decodeURIComponent(parts[parts.indexOf("shows") + 1] || "main");
  const base = `/v1/shows/${encodeURIComponent(showId)}/guests`;
  const token = decodeURIComponent(location.hash.replace(/^#/, ""));
  const $ = (id) => document.getElementById(id);
  const labels = { invited: "invited", waiting: "waiting for the host to let you on air",
    on_air: "ON AIR", muted: "on air, muted by the host", removed: "removed by the host",
    expired: "invite expired", left: "disconnected" };
  let pc = null;
  let stopped = false;
  let local = null;
  let joining = false;
  let lastJoin = 0;
  window.vhumanGuest = { state: null, link: null, error: null, stats: null };

  function show(state, note) {
    $("state").textContent = labels[state] || state;
    $("note").textContent = note || "";
    window.vhumanGuest.state = state;
  }

  async function media() {
    const tries = [{ video: true, audio: true }, { audio: true }, { video: true }];
    for (const c of tries) {
      try { return await navigator.mediaDevices.getUserMedia(c); } catch (e) { /* next */ }
    }
    return new MediaStream();
  }

  async function join() {
    if (!token) { show("error", "this link has no invite in it"); return; }
    lastJoin = Date.now();
    if (!local) { local = await media(); $("self").srcObject = local; }
    if (pc) pc.close();
    pc = new RTCPeerConnection();
    const have = { video: false, audio: false };
    for (const track of local.getTracks()) {
      pc.addTransceiver(track, { direction: "sendrecv", streams: [local] });
      have[track.kind] = true;
    }
    for (const kind of ["video", "audio"]) {
      if (!have[kind]) pc.addTransceiver(kind, { direction: "recvonly" });
    }
    const program = new MediaStream();
    $("program").srcObject = program;
    pc.ontrack = (ev) => { program.addTrack(ev.track); $("program").play().catch(() => {}); };
    const mine = pc;
    pc.onconnectionstatechange = () => {
      if (mine !== pc) return;  // an older connection
      window.vhumanGuest.link = pc.connectionState;
      if (pc.connectionState === "failed") rejoin();
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
      setTimeout(resolve, 3000);
    });
    const res = await fetch(`${base}/join`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token, sdp: pc.localDescription.sdp, type: "offer",
        video: have.video, audio: have.audio }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      const why = typeof body.detail === "string" ? body.detail : `error ${res.status}`;
      window.vhumanGuest.error = why;
      show(res.status === 403 ? "refused" : "error", why);
      pc.close();
      if (res.status === 403) stopped = true;
      else window.vhumanGuest.retry = true;  // the show is moving: the poll joins again
      return;
    }
    window.vhumanGuest.retry = false;
    window.vhumanGuest.joins = (window.vhumanGuest.joins || 0) + 1;
    await pc.setRemoteDescription({ type: body.type, sdp: body.sdp });
    $("who").textContent = `${body.guest.name} (${body.guest.role})`;
    show(body.guest.state, body.guest.note);
  }

  async function poll() {
    if (stopped || !token) return;
    try {
      const res = await fetch(`${base}/me`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        show(body.guest.state, body.guest.note);
        // the server lost this connection (e.g. the show moved): join again
        if (body.guest.link === "lost" || window.vhumanGuest.retry) rejoin();
      } else if (res.status === 403) { show("removed", body.detail); stopped = true; if (pc) pc.close(); }
    } catch (e) { /* the server restarts: try again */ }
    setTimeout(poll, 1000);
  }

  async function rejoin() {
    if (stopped || joining || Date.now() - lastJoin < 4000) return;
    joining = true;
    try { await join(); } catch (e) { window.vhumanGuest.error = String(e); }
    finally { joining = false; }
  }

  $("leave").addEventListener("click", () => { stopped = true; if (pc) pc.close(); show("left"); });
  join().then(poll).catch((e) => { window.vhumanGuest.error = String(e); show("error", String(e)); });
})();
