/* After htmx swaps a page or step in: focus its error summary (a refused form) or its h1,
   so the next Tab starts there and screen readers read the new content (WCAG 2.4.3). */
document.addEventListener("htmx:after:settle", function (e) {
  var t = e.target, main = document.getElementById("main"), a = document.activeElement;
  if (!main || !main.contains(t)) return;
  var f = t.querySelector(".form-errors");
  if (!f && (t === main || !a || a === document.body || !a.isConnected)) f = main.querySelector("h1");
  if (f) { f.setAttribute("tabindex", "-1"); f.focus(); }
});
