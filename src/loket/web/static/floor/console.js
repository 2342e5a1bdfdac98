// The officer console's keyboard shortcuts: N call next, R recall, C complete. A key presses the
// button marked with data-key in the current panel (htmx posts it); typing in a field is left alone.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
    var key = (event.key || "").toLowerCase();
    if (["n", "r", "c"].indexOf(key) === -1) { return; }
    var button = document.querySelector("#panel [data-key='" + key + "']");
    if (!button || button.disabled) { return; }
    event.preventDefault();
    if (button.type === "submit" && button.form) { button.form.requestSubmit(button); } else { button.click(); }
  });
})();
