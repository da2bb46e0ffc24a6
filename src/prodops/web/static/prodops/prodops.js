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
