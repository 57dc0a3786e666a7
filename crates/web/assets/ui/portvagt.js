// Portvagt's only script besides htmx: asks before irreversible actions, and copies a
// one-time secret (an initial password) to the clipboard.
document.addEventListener("submit", function (ev) {
  var q = ev.target.getAttribute("data-confirm");
  if (q && !window.confirm(q)) { ev.preventDefault(); }
});
document.addEventListener("click", function (ev) {
  var b = ev.target.closest ? ev.target.closest("[data-copy]") : null;
  if (!b || !navigator.clipboard) { return; }
  var el = document.getElementById(b.getAttribute("data-copy"));
  if (!el) { return; }
  navigator.clipboard.writeText(el.textContent.trim()).then(function () {
    b.textContent = b.getAttribute("data-copied");
  });
});
// A form sent back with errors: focus moves to the summary, which links to each field.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".pv-error-summary");
  if (summary) { summary.focus(); }
});
