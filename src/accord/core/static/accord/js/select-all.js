// Lists with row checkboxes for bulk actions: "Select all on this page" (#select-all) also
// ticks the rows (.row-select), so the selection is visible.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.id !== "select-all") { return; }
    document.querySelectorAll(".row-select").forEach(function (box) { box.checked = event.target.checked; });
  });
})();
