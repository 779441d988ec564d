// Accessible names for what Django's admin draws without one (axe rules "label",
// "aria-input-field-name" and "empty-table-header"):
// - a tabular inline's inputs take their column's heading as their name, with the row's
//   number ("Paragraph, row 2"), and the heading over the rows' titles gets a hidden text;
// - an autocomplete box (select2) takes its field's label; its "remove all" cross, inside its
//   list of choices, is hidden from screen readers.
// Run when the page is loaded (after the admin's own scripts draw the boxes) and again when
// a row is added to an inline.
(function () {
  "use strict";

  function textOf(element) {
    return (element ? element.textContent : "").replace(/\s+/g, " ").trim().replace(/[:?]$/, "");
  }

  function nameTabularRows(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      var headings = {};
      table.querySelectorAll("thead th").forEach(function (th) {
        if (th.classList.contains("original") && !textOf(th)) {
          var hidden = document.createElement("span");
          hidden.className = "visually-hidden";
          hidden.textContent = table.dataset.rowHeading || "Row";
          th.appendChild(hidden);
        }
        th.classList.forEach(function (name) {
          if (name.indexOf("column-") === 0) headings[name.slice(7)] = textOf(th);
        });
      });
      table.querySelectorAll("tbody tr").forEach(function (row, index) {
        row.querySelectorAll("td").forEach(function (cell) {
          var heading = null;
          cell.classList.forEach(function (name) {
            if (name.indexOf("field-") === 0) heading = headings[name.slice(6)];
          });
          if (cell.classList.contains("delete")) heading = "Delete";
          if (!heading) return;
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
            if (field.labels && field.labels.length) return;
            if (field.getAttribute("aria-label")) return;
            field.setAttribute("aria-label", heading + ", row " + (index + 1));
          });
        });
      });
    });
  }

  function nameAutocompleteBoxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling;
      if (!box || !box.classList.contains("select2")) return;
      var label = select.labels && select.labels.length ? textOf(select.labels[0]) : "";
      if (!label) label = select.getAttribute("aria-label") || "";
      if (!label) return;
      // aria-labelledby (select2 points it at the box's own text, empty until a value is
      // chosen) would take precedence over aria-label.
      // The "remove all" cross of a multiple box sits inside its list of choices (axe "list"):
      // mouse only (the keyboard removes choices with Backspace), hidden from screen readers.
      box.querySelectorAll(".select2-selection__clear").forEach(function (cross) {
        cross.setAttribute("aria-hidden", "true");
      });
      box.querySelectorAll("[role=combobox], [role=textbox], input.select2-search__field").forEach(
        function (part) {
          part.removeAttribute("aria-labelledby");
          part.setAttribute("aria-label", label);
        }
      );
    });
  }

  function nameAll() {
    nameTabularRows(document);
    nameAutocompleteBoxes(document);
  }

  // After the admin's own ready handlers (jQuery runs them in the order they were added; its
  // autocomplete boxes are drawn in one), and again at load.
  function soon() {
    window.setTimeout(nameAll, 0);
  }
  if (window.django && window.django.jQuery) {
    window.django.jQuery(soon);
    // select2 draws a box's parts again when its choice changes.
    window.django.jQuery(document).on("change", "select.admin-autocomplete", soon);
  }
  window.addEventListener("load", soon);
  document.addEventListener("formset:added", function () {
    // The admin draws the new row's autocomplete boxes in its own handler of this event.
    window.setTimeout(nameAll, 0);
  });
})();
