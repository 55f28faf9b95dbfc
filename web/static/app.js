// Small enhancements that htmx does not cover. Loaded as a file so the
// Content-Security-Policy needs no inline script.
(function () {
  "use strict";
  // Dropdown filters (<details class="dropdown">) close on outside click and Esc.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      d.removeAttribute("open");
      var s = d.querySelector("summary");
      if (s) s.focus();
    });
  });
  // Elements marked data-autosubmit submit their form when changed, for
  // forms that htmx does not already watch.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form && !window.htmx) el.form.requestSubmit();
  });
})();
