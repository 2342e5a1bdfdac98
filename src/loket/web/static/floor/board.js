// The waiting-room display board: live over Server-Sent Events, with a chime and the call
// spoken in Indonesian ("Nomor antrean A 0 0 1, silakan ke Loket 3"). No inline script (CSP).
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) { return; }
  var counters = document.getElementById("board-counters");
  var calls = document.getElementById("board-calls");
  var status = document.getElementById("board-status");
  var soundButton = document.getElementById("board-sound");
  var seen = null; // call keys already announced; null until the first snapshot
  var audio = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function chime() {
    if (!audio) { return; }
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
    window.setTimeout(function () { window.speechSynthesis.speak(utterance); }, 900);
  }

  function render(board) {
    counters.replaceChildren();
    board.counters.forEach(function (c) {
      var item = el("li", "board-counter");
      item.dataset.station = c.station;
      item.dataset.state = c.state;
      item.appendChild(el("span", "board-station", c.name));
      item.appendChild(el("span", "board-ticket", c.ticket || "–"));
      counters.appendChild(item);
    });
    calls.replaceChildren();
    board.calls.forEach(function (c) {
      var item = el("li", "board-call");
      item.appendChild(el("span", "board-ticket", c.ticket));
      item.appendChild(el("span", "board-station", c.name));
      calls.appendChild(item);
    });
    var keys = board.calls.map(function (c) { return c.key; });
    if (seen !== null) {
      board.calls.slice().reverse().forEach(function (c) {
        if (seen.indexOf(c.key) === -1) { chime(); say(c); }
      });
    }
    seen = keys;
  }

  soundButton.addEventListener("click", function () {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (Context && !audio) { audio = new Context(); }
    soundButton.hidden = true;
  });

  var source = new EventSource(root.dataset.events);
  source.addEventListener("board", function (event) {
    render(JSON.parse(event.data));
    status.textContent = "";
  });
  source.addEventListener("error", function () { status.textContent = "…"; });
})();
