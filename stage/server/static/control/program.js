// The program monitor: the show's live output over WebRTC (the same signalling the viewer
// page uses) into <video id="program">, with an audio meter from a WebAudio analyser.
// window.program exposes frames seen, the level in dBFS and when sound last started/stopped.
"use strict";

window.program = (() => {
  const { $, api } = window.desk;
  const SILENCE_DB = -50;
  const state = { showId: null, pc: null, peer: null, frames: 0, level: -Infinity,
                  soundSince: null, silentSince: null, ctx: null, analyser: null, retry: null };

  function setState(text) {
    $("#program-state").textContent = text;
  }

  function countFrames(video) {
    if (!video.requestVideoFrameCallback) return;
    const tick = () => { state.frames += 1; video.requestVideoFrameCallback(tick); };
    video.requestVideoFrameCallback(tick);
  }

  function meter(stream) {
    try {
      state.ctx = state.ctx || new AudioContext();
      const source = state.ctx.createMediaStreamSource(stream);
      state.analyser = state.ctx.createAnalyser();
      state.analyser.fftSize = 1024;
      source.connect(state.analyser);
    } catch (err) {
      setState(`no audio meter: ${err.message}`);
    }
  }

  function measure() {
    const a = state.analyser;
    if (a) {
      const buf = new Float32Array(a.fftSize);
      a.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const x of buf) sum += x * x;
      const db = 10 * Math.log10(sum / buf.length + 1e-12);
      state.level = db;
      const now = performance.now();
      if (db > SILENCE_DB) { if (state.soundSince === null) state.soundSince = now; state.silentSince = null; }
      else { if (state.silentSince === null) state.silentSince = now; state.soundSince = null; }
      const width = Math.max(0, Math.min(100, (db + 60) * (100 / 60)));
      $("#meter-bar").style.width = `${width}%`;
      $("#meter-db").textContent = db > -100 ? `${db.toFixed(0)} dB` : "–∞ dB";
    }
  }
  setInterval(measure, 20);

  /** A/V offset as this browser plays it: video minus audio jitter-buffer delay (ms). */
  async function avOffset() {
    const pc = state.pc;
    if (!pc || pc.connectionState !== "connected") { state.avOffsetMs = undefined; return; }
    const delay = {};
    (await pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.jitterBufferEmittedCount > 0) {
        delay[r.kind] = r.jitterBufferDelay / r.jitterBufferEmittedCount;
        if (r.kind === "audio") {  // the audio jitter buffer over the last second
          const prev = state.prevAudio;
          const n = r.jitterBufferEmittedCount - (prev ? prev.n : 0);
          if (prev && n > 0) state.audioBufferMs = ((r.jitterBufferDelay - prev.d) / n) * 1000;
          state.prevAudio = { d: r.jitterBufferDelay, n: r.jitterBufferEmittedCount };
        }
      }
    });
    state.avOffsetMs = delay.audio !== undefined && delay.video !== undefined
      ? (delay.video - delay.audio) * 1000 : undefined;
  }
  setInterval(() => avOffset().catch(() => {}), 1000);

  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
      setTimeout(resolve, 2000);
    });
  }

  async function disconnect() {
    clearTimeout(state.retry);
    const { pc, peer, showId } = state;
    state.pc = null;
    state.peer = null;
    if (pc) pc.close();
    if (peer && showId) {
      api("POST", `/shows/${encodeURIComponent(showId)}/webrtc/bye`, { peer }).catch(() => {});
    }
    $("#program").srcObject = null;
  }

  async function connect(showId) {
    await disconnect();
    state.showId = showId;
    state.frames = 0;
    state.prevAudio = null;
    state.audioBufferMs = undefined;
    if (!showId) return;
    const pc = new RTCPeerConnection();
    state.pc = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    const video = $("#program");
    pc.ontrack = (ev) => {
      // a monitor: as little buffering as the network allows (the browser's default
      // grows to most of a second on a busy server)
      if ("jitterBufferTarget" in ev.receiver) ev.receiver.jitterBufferTarget = 0;
      stream.addTrack(ev.track);
      video.srcObject = stream;
      if (ev.track.kind === "audio") meter(stream);
      video.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => {
      if (state.pc !== pc) return;
      setState(pc.connectionState);
      if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        state.retry = setTimeout(() => connect(state.showId), 3000);
      }
    };
    setState("connecting…");
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const answer = await api("POST", `/shows/${encodeURIComponent(showId)}/webrtc/offer`,
                               { sdp: pc.localDescription.sdp, type: pc.localDescription.type });
      if (state.pc !== pc) return;
      state.peer = answer.peer;
      await pc.setRemoteDescription({ sdp: answer.sdp, type: answer.type });
    } catch (err) {
      if (state.pc !== pc) return;
      setState(`no program video: ${err.message}`);
      pc.close();
      state.pc = null;
      if (err.status !== 404) state.retry = setTimeout(() => connect(state.showId), 5000);
    }
  }

  function listen(button) {
    const video = $("#program");
    video.muted = !video.muted;
    if (state.ctx) state.ctx.resume();
    button.setAttribute("aria-pressed", String(!video.muted));
    button.textContent = video.muted ? "Listen" : "Mute";
  }

  countFrames($("#program"));
  window.addEventListener("pagehide", disconnect);
  return { connect, disconnect, listen, SILENCE_DB,
           get frames() { return state.frames; }, get level() { return state.level; },
           get soundSince() { return state.soundSince; }, get silentSince() { return state.silentSince; },
           get showId() { return state.showId; }, get avOffsetMs() { return state.avOffsetMs; },
           get audioBufferMs() { return state.audioBufferMs; } };
})();
