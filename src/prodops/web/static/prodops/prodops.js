// When an HTMX request is refused (403, 400, 500), say so instead of doing nothing.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("request-error");
  if (!box) return;
  var status = event.detail.xhr.status;
  box.textContent = status === 403
    ? "You are not allowed to do this."
    : "The request failed (HTTP " + status + "). Reload the page and try again.";
  box.hidden = false;
});
document.addEventListener("htmx:beforeRequest", function () {
  var box = document.getElementById("request-error");
  if (box) box.hidden = true;
});
// Meters carry their value as data-percent: set through the CSSOM, which the
// Content-Security-Policy allows (a style="" attribute it would refuse).
function drawMeters(root) {
  root.querySelectorAll(".meter [data-percent]").forEach(function (bar) {
    var value = parseFloat(bar.getAttribute("data-percent"));
    bar.style.width = (isFinite(value) ? Math.max(0, Math.min(100, value)) : 0) + "%";
  });
}
document.addEventListener("DOMContentLoaded", function () { drawMeters(document); });
document.addEventListener("htmx:afterSwap", function (event) { drawMeters(event.target); });
