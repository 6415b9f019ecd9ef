// Runs inside each headless Chromium page: a WebRTC call whose signalling
// is nothing but Parley's call frames over its websocket, with the ICE
// servers from GET /v1/turn and relay-only ICE (../../../shared/CALLS.md,
// "Browser calls"). The page is on parleyd's own origin (http://127.0.0.1:PORT,
// a secure context for getUserMedia).
window.parley = {
  async setup(token) {
    this.inbox = [];
    this.waiters = [];
    this.localQueue = []; // our candidates until the call may carry them
    this.remoteQueue = []; // theirs until the remote description is set
    this.mayTrickle = false;
    this.errors = [];
    const res = await fetch("/v1/turn", { headers: { Authorization: "Bearer " + token } });
    if (res.status !== 200) throw new Error("GET /v1/turn: " + res.status);
    this.turn = await res.json();
    this.ws = new WebSocket(`ws://${location.host}/v1/ws`);
    await new Promise((ok, fail) => { this.ws.onopen = ok; this.ws.onerror = fail; });
    this.ws.onmessage = (event) => this.receive(JSON.parse(event.data));
    this.send({ type: "auth", token });
    await this.next((f) => f.type === "ready");
    this.pc = new RTCPeerConnection({
      iceServers: [{ urls: this.turn.urls, username: this.turn.username,
                     credential: this.turn.credential }],
      iceTransportPolicy: "relay",
    });
    this.pc.onicecandidate = (event) => {
      const candidate = event.candidate ? JSON.stringify(event.candidate.toJSON()) : "";
      if (this.mayTrickle) this.sendCandidate(candidate);
      else this.localQueue.push(candidate);
    };
    this.pc.onicecandidateerror = (e) => this.errors.push(`${e.errorCode} ${e.errorText}`);
    this.pc.ontrack = (event) => {
      const audio = document.getElementById("remote");
      audio.srcObject = event.streams[0];
    };
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const track of stream.getTracks()) this.pc.addTrack(track, stream);
  },

  send(frame) { this.ws.send(JSON.stringify(frame)); },

  sendCandidate(candidate) {
    this.send({ type: "call.ice", call_id: this.callId, candidate });
  },

  startTrickling() {
    this.mayTrickle = true;
    for (const c of this.localQueue.splice(0)) this.sendCandidate(c);
  },

  receive(frame) {
    if (frame.type === "call.ice") return this.remoteCandidate(frame.candidate);
    if (frame.type === "error") this.errors.push(JSON.stringify(frame));
    this.inbox.push(frame);
    for (const w of this.waiters.splice(0)) w();
  },

  async remoteCandidate(text) {
    if (!text) return; // the end of their candidates
    const candidate = JSON.parse(text);
    if (!this.pc.remoteDescription) this.remoteQueue.push(candidate);
    else await this.pc.addIceCandidate(candidate);
  },

  async remoteDescription(description) {
    await this.pc.setRemoteDescription(description);
    for (const c of this.remoteQueue.splice(0)) await this.pc.addIceCandidate(c);
  },

  async next(matches, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(matches);
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error("timed out waiting for a frame");
      await new Promise((ok) => { this.waiters.push(ok); setTimeout(ok, 200); });
    }
  },

  async call(userId) {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.send({ type: "call.offer", id: "browser-1", to: userId, media: "audio", sdp: offer.sdp });
    this.callId = (await this.next((f) => f.type === "call.created")).call_id;
    this.startTrickling(); // the caller's candidates ring with the call
    const answer = await this.next((f) => f.type === "call.answer");
    await this.remoteDescription({ type: "answer", sdp: answer.sdp });
    return this.callId;
  },

  async answerNext() {
    const incoming = await this.next((f) => f.type === "call.incoming", 30000);
    this.callId = incoming.call_id;
    await this.remoteDescription({ type: "offer", sdp: incoming.sdp });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.send({ type: "call.answer", call_id: this.callId, sdp: answer.sdp });
    this.startTrickling(); // only once answered: before, call.ice is refused
    return this.callId;
  },

  async connected(timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    while (this.pc.connectionState !== "connected") {
      if (Date.now() > deadline)
        throw new Error(`connectionState ${this.pc.connectionState}; ICE errors: ${this.errors}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    return this.pc.connectionState;
  },

  // inbound-rtp audio packets, and the kinds of the pair in use.
  async stats() {
    const report = await this.pc.getStats();
    let packets = 0, pair = null;
    const byId = new Map();
    report.forEach((s) => byId.set(s.id, s));
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") packets += s.packetsReceived || 0;
      if (s.type === "transport" && s.selectedCandidatePairId)
        pair = byId.get(s.selectedCandidatePairId);
    });
    const local = pair && byId.get(pair.localCandidateId);
    const remote = pair && byId.get(pair.remoteCandidateId);
    return { packetsReceived: packets, local: local && local.candidateType,
             remote: remote && remote.candidateType,
             remoteAddress: remote && remote.address, errors: this.errors };
  },

  async hangUp() {
    this.send({ type: "call.hangup", call_id: this.callId });
  },

  async ended() {
    return (await this.next((f) => f.type === "call.ended")).reason;
  },
};
