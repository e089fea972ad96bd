// Repeatable input rows (phones, e-mails): "Add a row" copies the last row empty, the cross removes a row
// (the last remaining row is only cleared, so there is always one to type into).
document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-row]");
  const remove = event.target.closest("[data-remove-row]");
  const block = (add || remove)?.closest("[data-repeatable]");
  if (!block) return;
  const rows = block.querySelector("[data-rows]");
  if (add) {
    const copy = rows.lastElementChild.cloneNode(true);
    const input = copy.querySelector("input");
    input.value = "";
    input.classList.remove("is-invalid");
    rows.appendChild(copy);
    input.focus();
  } else {
    const row = remove.closest("[data-row]");
    if (rows.children.length > 1) row.remove();
    else row.querySelector("input").value = "";
  }
});
