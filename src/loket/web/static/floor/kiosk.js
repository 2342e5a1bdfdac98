// The self-service kiosk. Scans the booking's QR (the browser's BarcodeDetector where it has one,
// else jsQR, vendored), types on the on-screen keypad, posts the check-in or the priority walk-in,
// shows the ticket, then starts over by loading the page afresh (location.replace): no DOM, no
// form value, no history entry of the previous person survives. No inline script (CSP).
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var resetS = parseInt(root.dataset.resetS, 10) || 15;
  var idleS = Math.max(60, resetS * 4); // a person who walks away mid-way is not kept either
  var start = document.getElementById("kiosk-start");
  var keypad = document.getElementById("kiosk-keypad");
  var result = document.getElementById("kiosk-result");
  var video = document.getElementById("kiosk-video");
  var codeField = document.getElementById("kiosk-code");
  var nikField = document.getElementById("kiosk-nik");
  var forms = [document.getElementById("kiosk-checkin"), document.getElementById("kiosk-walkin")];
  var active = null;
  var stream = null;
  var scanning = false;
  var idleTimer = null;
  var countdown = null;

  function startOver() {
    stopCamera();
    forms.forEach(function (f) { f.reset(); });
    result.replaceChildren();
    window.location.replace(root.dataset.home);
  }

  function touched() {
    if (idleTimer) { window.clearTimeout(idleTimer); }
    idleTimer = window.setTimeout(startOver, idleS * 1000);
  }

  function focusField(field) {
    active = field;
    keypad.dataset.digits = field && field.hasAttribute("data-digits") ? "yes" : "no";
    if (field) { field.focus({ preventScroll: true }); }
  }

  function show(id) {
    start.hidden = true;
    result.hidden = true;
    forms.forEach(function (f) { f.hidden = f.id !== id; });
    keypad.hidden = false;
    var form = document.getElementById(id);
    focusField(form.querySelector("input:not([type=hidden]):not([type=radio])"));
    if (id === "kiosk-checkin") { startCamera(); }
    touched();
  }

  // --- The on-screen keypad types into the field last touched.
  keypad.addEventListener("click", function (event) {
    var key = event.target.closest("[data-key]");
    if (!key || !active) { return; }
    var value = key.dataset.key;
    if (value === "back") { active.value = active.value.slice(0, -1); }
    else if (value === "clear") { active.value = ""; }
    else if (active.hasAttribute("data-digits") && !/[0-9]/.test(value)) { return; }
    else if (active.value.length < (active.maxLength > 0 ? active.maxLength : 100)) { active.value += value; }
    active.dispatchEvent(new Event("input", { bubbles: true }));
    focusField(active);
    touched();
  });
  forms.forEach(function (form) {
    form.addEventListener("focusin", function (event) {
      if (event.target.matches("input:not([type=hidden]):not([type=radio])")) { focusField(event.target); }
    });
  });
  codeField.addEventListener("input", function () { codeField.value = codeField.value.toUpperCase(); });

  // --- The camera: a QR holding the booking code fills the code field.
  function accept(text) {
    var code = String(text || "").trim().toUpperCase();
    var match = /^([A-Z0-9]+)-([0-9A-Z]{10})$/.exec(code);
    if (!match) { return false; }
    codeField.value = match[1] === root.dataset.office ? match[2] : code;
    stopCamera();
    root.dataset.scanned = "yes";
    focusField(nikField);
    touched();
    return true;
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.play();
      scanning = true;
      scan();
    }).catch(function () { video.hidden = true; });
  }

  function stopCamera() {
    scanning = false;
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    if (video) { video.srcObject = null; }
  }

  var detector = null;
  if ("BarcodeDetector" in window) {
    try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
  }
  var canvas = document.createElement("canvas");

  function scan() {
    if (!scanning) { return; }
    var next = function () { window.setTimeout(scan, 150); };
    if (video.readyState < 2 || !video.videoWidth) { next(); return; }
    if (detector) {
      detector.detect(video).then(function (found) {
        if (!(found.length && accept(found[0].rawValue))) { next(); }
      }).catch(function () { detector = null; next(); });
      return;
    }
    if (!window.jsQR) { return; }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    if (!(code && accept(code.data))) { next(); }
  }

  // --- Posting: the answer is a fragment the server rendered (escaped by Jinja).
  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        cache: "no-store",
        headers: { "X-CSRF-Token": root.dataset.csrf, "Accept": "text/html" }
      }).then(function (response) { return response.text(); }).then(function (html) {
        result.innerHTML = html;
        result.hidden = false;
        var ticket = result.querySelector(".kiosk-ticket");
        if (ticket) {
          stopCamera();
          forms.forEach(function (f) { f.reset(); f.hidden = true; });
          keypad.hidden = true;
          active = null;
          runCountdown();
        } else {
          form.hidden = true;
          keypad.hidden = true;
        }
        touched();
      }).catch(function () { startOver(); });
    });
  });

  function runCountdown() {
    var left = resetS;
    var shown = document.getElementById("kiosk-countdown");
    countdown = window.setInterval(function () {
      left -= 1;
      if (shown) { shown.textContent = String(Math.max(left, 0)); }
      if (left <= 0) { window.clearInterval(countdown); startOver(); }
    }, 1000);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("[data-show]")) { show(target.closest("[data-show]").dataset.show); }
    else if (target.closest("[data-reset]")) { startOver(); }
    else if (target.closest("[data-print]")) { window.print(); }
    else if (target.closest("[data-back]")) {
      result.hidden = true;
      result.replaceChildren();
      var form = forms.filter(function (f) { return f.dataset.last === "yes"; })[0] || forms[0];
      show(form.id);
    }
  });
  forms.forEach(function (form) {
    form.addEventListener("submit", function () {
      forms.forEach(function (f) { f.dataset.last = f === form ? "yes" : "no"; });
    }, true);
  });
  // Coming back from the browser's page cache would show an old screen: always start over.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { startOver(); } });
})();
