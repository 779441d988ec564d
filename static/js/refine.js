// On a narrow screen the list's filters and facets (<details class="refine">, open as the
// server sends it) start closed behind their "Filters" control, so that the results are on the
// first screen; unless a filter has an error to show, or the page was opened at #refine.
// "Skip to filters" (a link to #refine) opens them. Without JavaScript they stay open.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 860px)");
  var refine = document.getElementById("refine");
  if (!refine) return;
  if (narrow.matches && !refine.hasAttribute("data-keep-open") && location.hash !== "#refine") {
    refine.open = false;
  }
  function openAtRefine() {
    if (location.hash === "#refine") refine.open = true;
  }
  window.addEventListener("hashchange", openAtRefine);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href="#refine"]');
    if (link) refine.open = true;
  });
})();
