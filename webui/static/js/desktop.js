// Drag to reorder: desktop widgets save their order at once; customize lists just reorder the form rows.
document.querySelectorAll(".widget-sortable").forEach(function (list) {
  Sortable.create(list, {
    handle: ".drag-handle",
    animation: 150,
    onEnd: function () {
      var form = list.closest("#widget-order");
      if (form && window.htmx) htmx.trigger(form, "widgets-reordered");
    },
  });
});
