// The waiting-room display board (a TV in kiosk mode): live over Server-Sent Events, a blink and
// a chime on a new call and the call spoken in Indonesian ("Nomor antrean A 0 0 1, silakan ke
// Loket 3"). The clock follows the server's time in the office's zone, not the TV's own clock.
// The board reconnects by itself when the server restarts and says so while it is cut off.
// No inline script (CSP).
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) { return; }
  var counters = document.getElementById("board-counters");
  var calls = document.getElementById("board-calls");
  var waiting = document.getElementById("board-waiting");
  var empty = document.getElementById("board-empty");
  var noCalls = document.getElementById("board-no-calls");
  var lost = document.getElementById("board-lost");
  var clock = document.getElementById("board-clock");
  var dateLine = document.getElementById("board-date");
  var soundButton = document.getElementById("board-sound");
  var zone = root.dataset.timezone;
  var seen = null; // call keys already announced; null until the first snapshot
  var audio = null;
  var skew = 0; // server time minus this TV's time, in ms
  var source = null;
  var retry = null;

  var timeFormat = new Intl.DateTimeFormat("id-ID", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var dateFormat = new Intl.DateTimeFormat("id-ID", { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric" });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function tick() {
    var now = new Date(Date.now() + skew);
    clock.textContent = timeFormat.format(now);
    dateLine.textContent = dateFormat.format(now);
  }

  // Sound starts by itself where the browser allows it (Chromium with
  // --autoplay-policy=no-user-gesture-required); otherwise one tap on the switch turns it on.
  function startAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    if (!audio) { audio = new Context(); }
    if (audio.state === "running") { soundButton.hidden = true; return; }
    audio.resume().then(function () { soundButton.hidden = audio.state === "running"; });
    window.setTimeout(function () { soundButton.hidden = audio.state === "running"; }, 300);
  }

  function chime() {
    if (!audio || audio.state !== "running") { return; }
    var now = audio.currentTime;
    [659.25, 523.25].forEach(function (freq, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.45);
      gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.45 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.45 + 0.4);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.45);
      osc.stop(now + i * 0.45 + 0.45);
    });
  }

  function say(call) {
    if (!("speechSynthesis" in window)) { return; }
    var text = root.dataset.sayNumber + " " + call.spoken + ", " + root.dataset.sayGo + " " + call.name;
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "id-ID";
    utterance.rate = 0.9;
    var voice = window.speechSynthesis.getVoices().filter(function (v) { return /^id/i.test(v.lang); })[0];
    if (voice) { utterance.voice = voice; }
    window.setTimeout(function () { window.speechSynthesis.speak(utterance); }, 900);
  }

  function blink(node) {
    node.classList.remove("tv-new");
    void node.offsetWidth; // restart the animation on a recall of the same number
    node.classList.add("tv-new");
  }

  function render(board) {
    var fresh = [];
    if (seen !== null) {
      board.calls.forEach(function (c) { if (seen.indexOf(c.key) === -1) { fresh.push(c); } });
    }
    var freshStations = fresh.map(function (c) { return c.station; });
    counters.replaceChildren();
    board.counters.forEach(function (c) {
      var item = el("li", "board-counter");
      item.dataset.station = c.station;
      item.dataset.state = c.state;
      item.appendChild(el("span", "board-station", c.name));
      item.appendChild(el("span", "board-ticket", c.ticket || "–"));
      var before = el("span", "board-previous", (c.previous || []).join("  "));
      item.appendChild(before);
      if (c.state === "paused") { item.appendChild(el("span", "board-paused", root.dataset.textPaused)); }
      if (freshStations.indexOf(c.station) !== -1) { blink(item); }
      counters.appendChild(item);
    });
    empty.hidden = board.counters.length > 0;
    // Up to six counters keep the full size; an office with more gets three columns of smaller
    // numbers rather than counters cut off below the screen.
    counters.dataset.many = board.counters.length > 6 ? "yes" : "no";
    calls.replaceChildren();
    board.calls.forEach(function (c, i) {
      var item = el("li", "board-call");
      item.appendChild(el("span", "board-ticket", c.ticket));
      item.appendChild(el("span", "board-station", c.name));
      if (i === 0 && fresh.length) { blink(item); }
      calls.appendChild(item);
    });
    noCalls.hidden = board.calls.length > 0;
    waiting.replaceChildren();
    (board.waiting || []).forEach(function (w) {
      var item = el("li", "board-waiting-item");
      item.dataset.category = w.category;
      item.appendChild(el("span", "board-letter", w.letter));
      item.appendChild(el("span", "board-category", waiting.dataset[w.category] || w.category));
      item.appendChild(el("span", "board-count", String(w.count)));
      waiting.appendChild(item);
    });
    fresh.slice().reverse().forEach(function (c) { chime(); say(c); });
    seen = board.calls.map(function (c) { return c.key; });
  }

  function cutOff() {
    lost.hidden = false;
    root.dataset.connection = "lost";
  }

  function connect() {
    retry = null;
    if (source) { source.close(); }
    source = new EventSource(root.dataset.events);
    source.addEventListener("board", function (event) {
      var board = JSON.parse(event.data);
      if (board.now) { skew = Date.parse(board.now) - Date.now(); tick(); }
      render(board);
      lost.hidden = true;
      root.dataset.connection = "live";
    });
    source.addEventListener("error", function () {
      cutOff();
      // The browser retries by itself while the stream is only interrupted; once it gives up
      // (an error answer from a proxy, say) the board opens a new stream itself.
      if (source.readyState === EventSource.CLOSED && retry === null) {
        retry = window.setTimeout(connect, 3000);
      }
    });
  }

  soundButton.addEventListener("click", startAudio);
  startAudio();
  tick();
  window.setInterval(tick, 1000);
  connect();
})();
