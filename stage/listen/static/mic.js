// The microphone page: getUserMedia with echo cancellation, noise suppression and gain
// control, sent over WebRTC to /v1/shows/<id>/mic/offer. window.vhumanMic.state says
// where it is: idle | asking | connecting | connected | closed | failed.
(function () {
  const show = decodeURIComponent(location.pathname.split('/')[2] || 'main');
  const $ = (id) => document.getElementById(id);
  const mic = { state: 'idle', peer: null, error: null, pc: null, stream: null };
  window.vhumanMic = mic;

  function status(state, text) {
    mic.state = state;
    $('status').textContent = text || state;
  }

  function meter(stream) {
    try {
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      ctx.createMediaStreamSource(stream).connect(analyser);
      const data = new Float32Array(analyser.fftSize);
      const tick = () => {
        if (mic.state === 'closed' || mic.state === 'failed') return;
        analyser.getFloatTimeDomainData(data);
        let sum = 0; for (const v of data) sum += v * v;
        $('level').value = Math.min(1, Math.sqrt(sum / data.length) * 4);
        requestAnimationFrame(tick);
      };
      tick();
    } catch (e) { /* the meter is a nicety */ }
  }

  async function start() {
    $('start').disabled = true;
    status('asking', 'asking for the microphone…');
    try {
      mic.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true,
                 channelCount: 1 }, video: false });
    } catch (e) {
      mic.error = String(e);
      status('failed', 'no microphone: ' + e.message);
      $('start').disabled = false;
      return;
    }
    meter(mic.stream);
    status('connecting', 'connecting…');
    const pc = new RTCPeerConnection();
    mic.pc = pc;
    mic.stream.getAudioTracks().forEach((t) => pc.addTransceiver(t, { direction: 'sendonly' }));
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') status('connected', 'listening — go ahead and talk');
      if (pc.connectionState === 'failed') status('failed', 'the connection failed');
      if (pc.connectionState === 'disconnected') status('connecting', 'reconnecting…');
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') resolve(); };
      setTimeout(resolve, 3000);
    });
    const res = await fetch(`/v1/shows/${encodeURIComponent(show)}/mic/offer`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify({ sdp: pc.localDescription.sdp, type: 'offer',
                             speaker: $('speaker').value.trim() || 'Guest', role: $('role').value }) });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      mic.error = body.detail || res.statusText;
      status('failed', 'refused: ' + (typeof mic.error === 'string' ? mic.error : JSON.stringify(mic.error)));
      stop();
      return;
    }
    mic.peer = body.peer;
    await pc.setRemoteDescription({ sdp: body.sdp, type: body.type });
    $('stop').disabled = false;
  }

  function stop() {
    if (mic.peer) {
      navigator.sendBeacon(`/v1/shows/${encodeURIComponent(show)}/mic/bye`,
        new Blob([JSON.stringify({ peer: mic.peer })], { type: 'application/json' }));
    }
    if (mic.pc) mic.pc.close();
    if (mic.stream) mic.stream.getTracks().forEach((t) => t.stop());
    if (mic.state !== 'failed') status('closed', 'stopped');
    $('start').disabled = false;
    $('stop').disabled = true;
  }

  $('start').addEventListener('click', start);
  $('stop').addEventListener('click', stop);
  window.addEventListener('pagehide', stop);
  mic.start = start;
  mic.stop = stop;
})();
