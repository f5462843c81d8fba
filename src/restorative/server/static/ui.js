// The UI's only script: an "add a row" button under each table of rows (parties, agreement items).
// Without it the forms still work, with the rows the page brought.
"use strict";
document.querySelectorAll("table[data-rows]").forEach(function (table) {
  var button = document.createElement("button");
  button.type = "button";
  button.className = "link add-row";
  button.textContent = "Add a row";
  button.addEventListener("click", function () {
    var rows = table.tBodies[0].rows;
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) {
      if (input.type !== "datetime-local") { input.value = ""; }
    });
    table.tBodies[0].appendChild(copy);
  });
  table.after(button);
});
