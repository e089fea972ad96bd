/* My sales board: SortableJS between stage columns; the server decides (route map) and a refusal snaps back. */
(function () {
  "use strict";
  var board = document.querySelector("[data-move-url]");
  if (!board || !window.Sortable) return;
  var url = board.getAttribute("data-move-url");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function recount() {
    board.querySelectorAll("[data-testid=stage-column]").forEach(function (col) {
      col.querySelector("[data-count]").textContent = col.querySelectorAll("[data-interest]").length;
    });
  }

  board.querySelectorAll(".pipeline-cards").forEach(function (list) {
    Sortable.create(list, {
      group: "pipeline",
      animation: 150,
      sort: false,
      onEnd: function (ev) {
        if (ev.from === ev.to) return;
        var card = ev.item;
        var body = new URLSearchParams({ interest_id: card.getAttribute("data-interest"), stage: ev.to.getAttribute("data-stage") });
        board.setAttribute("data-busy", "true");
        fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token, Accept: "application/json" }, credentials: "same-origin" })
          .then(function (resp) { return resp.json().then(function (data) { return { ok: resp.ok && data.ok, data: data }; }); })
          .then(function (result) {
            if (!result.ok) {
              ev.from.insertBefore(card, ev.from.children[ev.oldIndex] || null);  // snap back
              var msg = result.data.message || "Refused";
              window.routemapToast(msg, "danger");
              if (result.data.task_url) card.setAttribute("data-task-url", result.data.task_url);
            } else {
              var actual = board.querySelector('.pipeline-cards[data-stage="' + result.data.stage + '"]');
              if (actual && actual !== ev.to) actual.appendChild(card);
              if (result.data.closed) card.classList.add("opacity-75");
              window.routemapToast(result.data.stage_name, "success");
            }
            recount();
          })
          .catch(function () {
            ev.from.insertBefore(card, ev.from.children[ev.oldIndex] || null);
            window.routemapToast("Network error", "danger");
            recount();
          })
          .finally(function () { board.removeAttribute("data-busy"); });
      },
    });
  });
})();
