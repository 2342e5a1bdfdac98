/* Loket applicant pages: live countdowns, the print and copy buttons, the office filter. No inline scripts (strict CSP). */
(function () {
  "use strict";
  var skew = 0;
  var serverNow = document.body.getAttribute("data-now");
  if (serverNow) { skew = Date.parse(serverNow) - Date.now(); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var timers = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      var out = el.querySelector(".countdown-value");
      if (!out) { continue; }
      var left = Math.floor((Date.parse(el.getAttribute("data-deadline")) - (Date.now() + skew)) / 1000);
      if (left <= 0) {
        out.textContent = el.getAttribute("data-expired-text") || "00:00:00";
        el.classList.add("expired");
        continue;
      }
      out.textContent = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor((left % 3600) / 60)) + ":" + pad(left % 60);
      el.classList.add("live");
    }
  }

  function wire(root) {
    // Without JavaScript the print link opens the print view; with it, the print dialog opens here.
    var buttons = root.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) { event.preventDefault(); window.print(); });
    }
    var copies = root.querySelectorAll("[data-copy]");
    for (var j = 0; j < copies.length; j++) {
      if (!navigator.clipboard) { continue; }
      copies[j].hidden = false;
      copies[j].addEventListener("click", function (event) {
        var button = event.currentTarget;
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          button.firstChild.textContent = button.getAttribute("data-copied-text");
        });
      });
    }
  }

  // The office search filters the list in place, as the server does (the same lower-cased text in
  // data-search): on a slow link a round trip per keystroke costs more than the whole list.
  function filterList(form) {
    var list = document.getElementById(form.getAttribute("data-filter"));
    var input = form.querySelector("input[type=search]");
    var none = document.querySelector("[data-no-match]");
    if (!list || !input) { return; }
    function apply() {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      for (var i = 0; i < list.children.length; i++) {
        var item = list.children[i];
        var match = !needle || (item.getAttribute("data-search") || "").indexOf(needle) !== -1;
        item.hidden = !match;
        if (match) { shown++; }
      }
      if (none) { none.hidden = shown > 0; }
    }
    input.addEventListener("input", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  }

  // The error summary takes the focus (GOV.UK pattern), so the reader starts from the list of fixes;
  // a link in it focuses its field.
  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    var filters = document.querySelectorAll("form[data-filter]");
    for (var i = 0; i < filters.length; i++) { filterList(filters[i]); }
    focusSummary();
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); tick(); });
})();
