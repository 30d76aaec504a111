// The press desk's "Ask by voice": the microphone goes over WebRTC to /v1/press/mic (the
// server's listening path: voice activity, turn-taking, recognition, role reporter); each
// recognised question is put in the question box and asked exactly as a typed one.
// window.pressVoice.state: idle | asking | connecting | listening | closed | failed.
"use strict";

(() => {
  const { $, api, el, result } = window.desk;
  const voice = { state: "idle", peer: null, pc: null, stream: null, seen: new Set(),
                  asked: [], error: null };
  window.pressVoice = voice;
  let poll = null;
  let queue = Promise.resolve();

  function status(state, text, partial) {
    voice.state = state;
    const box = $("#mic-state");
    box.replaceChildren(text, partial ? el("span", { class: "partial" }, ` “${partial}”`) : "");
    const on = ["asking", "connecting", "listening"].includes(state);
    const button = $("#mic-button");
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Stop listening" : "Ask by voice";
  }

  /** Ask ``text`` through the typed path, one at a time; note when its answer shows. */
  function askHeard(turn, heardAt) {
    queue = queue.then(async () => {
      $("#question").value = turn.text;
      const record = { text: turn.text, heardAt, recognisedMs: turn.recognised_s === null ? null
                       : turn.recognised_s * 1000, shownAt: null };
      voice.asked.push(record);
      const before = window.press && window.press.answer;  // the same question may come again
      $("#ask").requestSubmit();
      const t0 = performance.now();
      while (performance.now() - t0 < 300000) {
        const a = window.press && window.press.answer;
        if (a && a !== before && a.question === turn.text) {
          record.shownAt = performance.now();
          record.answer = a;
          return;
        }
        if ($("#ask-state").classList.contains("error")) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  }

  async function check() {
    const peer = voice.peer;
    if (!peer) return;
    let r;
    try {
      r = await api("GET", `/v1/press/mic/${encodeURIComponent(peer)}`);
    } catch (err) {
      if (err.status === 404 && voice.peer === peer) stop("The microphone was closed by the server.");
      return;
    }
    // stopped (or restarted) while this poll was on the wire: its answer is stale
    if (voice.peer !== peer) return;
    const now = performance.now();
    for (const turn of r.heard) {
      if (voice.seen.has(turn.id)) continue;
      voice.seen.add(turn.id);
      if (turn.status === "ok" && turn.text.trim()) askHeard(turn, now - turn.age_s * 1000);
      else if (turn.status === "clipped") say("Heard only the end of that (it began before the microphone was on): please ask again.");
      else if (turn.status !== "empty") say(`Not taken as a question (${turn.status.replace(/_/g, " ")}).`);
    }
    if (r.state === "closed" || r.state === "failed") {
      stop(r.state === "failed" ? `Listening failed: ${r.error || "unknown error"}` : "Stopped listening.");
      return;
    }
    status(r.state, r.state === "listening" ? "Listening — ask your question." : "Connecting…", r.partial);
  }

  function say(text) { result($("#ask-state"), text, false); }

  async function start() {
    status("asking", "Asking for the microphone…");
    try {
      voice.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
        video: false });
    } catch (err) {
      voice.error = String(err);
      status("failed", `No microphone: ${err.message}`);
      return;
    }
    status("connecting", "Connecting…");
    const pc = new RTCPeerConnection();
    voice.pc = pc;
    for (const t of voice.stream.getAudioTracks()) pc.addTransceiver(t, { direction: "sendonly" });
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed") stop("The microphone connection failed.");
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") { resolve(); return; }
      pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") resolve(); };
      setTimeout(resolve, 3000);
    });
    try {
      const r = await api("POST", "/v1/press/mic", { sdp: pc.localDescription.sdp, type: "offer" });
      voice.peer = r.peer;
      await pc.setRemoteDescription({ sdp: r.sdp, type: r.type });
    } catch (err) {
      voice.error = err.message;
      stop(`The server refused the microphone: ${err.message}`, "failed");
      return;
    }
    poll = setInterval(check, 300);
  }

  function stop(message = "Stopped listening.", state = "closed") {
    clearInterval(poll);
    poll = null;
    const peer = voice.peer;
    voice.peer = null;
    if (peer) api("DELETE", `/v1/press/mic/${encodeURIComponent(peer)}`).catch(() => {});
    if (voice.pc) voice.pc.close();
    if (voice.stream) for (const t of voice.stream.getTracks()) t.stop();
    voice.pc = null;
    voice.stream = null;
    status(state === "failed" || message.startsWith("Listening failed") ? "failed" : "closed", message);
  }

  $("#mic-button").addEventListener("click", () => {
    if (["asking", "connecting", "listening"].includes(voice.state)) stop();
    else start();
  });
  window.addEventListener("pagehide", () => { if (voice.peer) stop(); });
  voice.start = start;
  voice.stop = stop;
})();
