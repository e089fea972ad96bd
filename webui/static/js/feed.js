// Quick-note formatting buttons: wrap the selected text of the note textarea in a tag.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-wrap]");
  if (!button) return;
  var form = button.closest("form");
  var area = form && form.querySelector("textarea");
  if (!area) return;
  var tag = button.dataset.wrap;
  var start = area.selectionStart, end = area.selectionEnd;
  var text = area.value.slice(start, end);
  var open = tag === "a" ? '<a href="https://">' : tag === "li" ? "<ul><li>" : "<" + tag + ">";
  var close = tag === "a" ? "</a>" : tag === "li" ? "</li></ul>" : "</" + tag + ">";
  area.setRangeText(open + text + close, start, end, "end");
  area.focus();
});
