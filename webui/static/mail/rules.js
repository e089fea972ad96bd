// The sorting-rule editor: add/remove condition and action rows; each action row shows the one input its
// action needs (folder, user, client id or address). Hidden inputs are still posted; the server reads only
// the one matching the action.
(function () {
  "use strict";
  function sync(row) {
    var type = row.querySelector("[data-action-type]").value;
    row.querySelectorAll("[data-for]").forEach(function (input) { input.hidden = input.dataset.for !== type; });
  }
  document.querySelectorAll("[data-action-row]").forEach(sync);
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-action-type]");
    if (select) sync(select.closest("[data-action-row]"));
  });
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    var remove = event.target.closest("[data-remove-row]");
    var block = (add || remove) && (add || remove).closest("[data-repeatable]");
    if (!block) return;
    var rows = block.querySelector("[data-rows]");
    if (add) {
      var copy = rows.lastElementChild.cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      rows.appendChild(copy);
      if (copy.matches("[data-action-row]")) sync(copy);
    } else if (rows.children.length > 1) {
      remove.closest("[data-row]").remove();
    } else {
      remove.closest("[data-row]").querySelectorAll("input").forEach(function (input) { input.value = ""; });
    }
  });
})();
