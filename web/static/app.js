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

  // A filter form reloads its results on "change" (a select, a box), and a
  // search box already did on each keystroke: the "change" a search box
  // fires when it loses focus would load the same results again, and
  // replace the table under a click (a row's tick was lost). A filter in
  // hx-trigger cannot say so: the Content-Security-Policy forbids eval.
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("form.filters input[type=search]")) e.stopPropagation();
  }, true);

  // A fragment of the People table sends the bulk bar's group list empty,
  // naming the filter's group picker, which lists the same groups: it is
  // copied from there (500 groups are 27 KB a page of results otherwise).
  document.addEventListener("htmx:load", function (e) {
    var root = e.detail && e.detail.elt;
    if (!root || !root.querySelectorAll) return;
    var lists = root.matches && root.matches("select[data-groups-from]") ? [root] : root.querySelectorAll("select[data-groups-from]");
    Array.prototype.forEach.call(lists, function (s) {
      var from = document.getElementById(s.getAttribute("data-groups-from"));
      if (!from) return;
      for (var i = 0; i < from.options.length; i++) {
        var o = from.options[i];
        if (o.value !== "") s.add(new Option(o.text, o.value));
      }
      s.removeAttribute("data-groups-from");
    });
  });

  // Dialogs loaded into #dialog open as modals: the page behind is inert,
  // focus stays inside, Esc closes. Closing empties the slot and gives
  // focus back to what opened it.
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (e) {
    var t = e.detail.target;
    if (t && t.id === "dialog") opener = e.detail.elt;
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.detail.target;
    if (!t || t.id !== "dialog") return;
    var d = t.querySelector("dialog");
    if (d && !d.open) {
      d.showModal();
      var first = d.querySelector("textarea, input:not([type=hidden]):not([readonly]), select, [autofocus]");
      if (first) first.focus();
    }
  });
  document.addEventListener("close", function (e) {
    var d = e.target;
    if (d.tagName !== "DIALOG" || !d.parentElement || d.parentElement.id !== "dialog") return;
    d.parentElement.innerHTML = "";
    if (opener && document.body.contains(opener)) opener.focus();
  }, true);
  function closeDialog() {
    var d = document.querySelector("#dialog dialog[open]");
    if (d) d.close();
  }
  document.body.addEventListener("closeDialog", closeDialog);
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("[data-close-dialog]");
    if (a && document.querySelector("#dialog dialog[open]")) {
      e.preventDefault();
      closeDialog();
    }
  });

  // Copy buttons: data-copy names the field whose value is copied.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-copy]");
    if (!b) return;
    var field = document.querySelector(b.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      var label = b.textContent;
      b.textContent = b.getAttribute("data-copied") || label;
      setTimeout(function () { b.textContent = label; }, 2000);
    };
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // "Select all" boxes tick every row box of their form.
  document.addEventListener("change", function (e) {
    var all = e.target;
    if (!all.matches || !all.matches("[data-select-all]")) return;
    var form = all.getAttribute("data-select-all");
    document.querySelectorAll('input[type=checkbox][form="' + form + '"]').forEach(function (c) { c.checked = all.checked; });
  });
})();
