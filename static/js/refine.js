// On a narrow screen the list's filters and facets (<details class="refine">, open as the
// server sends it) start closed behind their "Filters" control, so that the results are on the
// first screen; unless a filter has an error to show. Without JavaScript they stay open.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 860px)");
  var refine = document.getElementById("refine");
  if (refine && narrow.matches && !refine.hasAttribute("data-keep-open")) refine.open = false;
})();
