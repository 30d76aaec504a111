// vhuman viewer: receives the live performer over WebRTC (chat is the page's own socket).
// Paths are relative so the router can be mounted under any prefix.
"use strict";

const params = new URLSearchParams(location.search);
const video = document.getElementById("video");
const statusEl = document.getElementById("status");
const unmute = document.getElementById("unmute");
window.vhuman = Object.assign(window.vhuman || {}, { state: "new" });

function setStatus(text) {
  statusEl.textContent = text;
  window.vhuman.state = text;
}

async function play() {
  try {
    await video.play();
  } catch (err) {
    // Browsers block unmuted autoplay without a click: play muted and offer sound.
    video.muted = true;
    unmute.style.display = "block";
    await video.play().catch(() => {});
  }
}

unmute.onclick = () => { video.muted = false; unmute.style.display = "none"; video.play(); };

function gatheringDone(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 2000); // host candidates are enough on a LAN
  });
}

async function connect() {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.ontrack = (ev) => {
    stream.addTrack(ev.track);
    video.srcObject = stream;
    play();
  };
  pc.onconnectionstatechange = () => {
    setStatus(pc.connectionState);
    if (pc.connectionState === "failed") setTimeout(connect, 2000);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringDone(pc);
  const res = await fetch("webrtc/offer", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type,
                           performer: params.get("performer") }),
  });
  if (!res.ok) { setStatus("offer refused: " + (await res.text())); return; }
  const answer = await res.json();
  await pc.setRemoteDescription({ sdp: answer.sdp, type: answer.type });
  window.vhuman.pc = pc;
  window.vhuman.peer = answer.peer;
}

// Tell the engine at once when the viewer leaves (it would notice only ~30 s later).
function sayBye() {
  if (!window.vhuman.peer) return;
  const body = new Blob([JSON.stringify({ peer: window.vhuman.peer })], { type: "application/json" });
  navigator.sendBeacon("webrtc/bye", body);
  window.vhuman.peer = null;
}
window.addEventListener("pagehide", sayBye);
window.addEventListener("beforeunload", sayBye);

connect().catch((err) => setStatus("error: " + err));
