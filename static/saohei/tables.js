// On a phone every dense list reads as cards (app.css, decision 0018), each value after its
// column's name. The names come from the table's own header, so a template keeps one list of
// its columns and no list can forget its labels; without JavaScript the cards show values only.
(function () {
  "use strict";

  function labelCells() {
    for (const table of document.querySelectorAll("table.table-dense, table.app-cards")) {
      const head = table.tHead && table.tHead.rows[0];
      if (!head) continue;
      const names = [];
      for (const cell of head.cells) {
        const name = cell.textContent.replace(/\s+/g, " ").trim();
        for (let span = 0; span < cell.colSpan; span += 1) names.push(name);
      }
      for (const body of table.tBodies) {
        for (const row of body.rows) {
          let column = 0;
          for (const cell of row.cells) {
            // A cell across several columns (the "nothing found" line) has no one name.
            if (cell.colSpan === 1 && names[column] && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", names[column]);
            }
            column += cell.colSpan;
          }
        }
      }
    }
  }

  document.addEventListener("DOMContentLoaded", labelCells);
  // Rows that htmx swaps in later get their names too.
  document.addEventListener("htmx:afterSettle", labelCells);
})();
