// Portvagt's only script besides htmx: asks before irreversible actions.
document.addEventListener("submit", function (ev) {
  var q = ev.target.getAttribute("data-confirm");
  if (q && !window.confirm(q)) { ev.preventDefault(); }
});
