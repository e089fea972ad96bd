/* Employees' workplaces: keyboard moves in lists, refusals as toasts, SLA countdowns. No build step. */
(function () {
  "use strict";
  // A 409 carries a toast explaining why an action was refused: let htmx swap it (retargeted to #toasts).
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  window.routemapToast = function (message, category) {
    var box = document.getElementById("toasts");
    if (!box) { alert(message); return; }
    var el = document.createElement("div");
    el.className = "toast show align-items-center border-0 mb-2 text-bg-" + (category || "danger");
    el.setAttribute("role", "alert");
    el.setAttribute("data-testid", "toast");
    var body = document.createElement("div");
    body.className = "d-flex";
    var text = document.createElement("div");
    text.className = "toast-body";
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () { el.remove(); });
    body.appendChild(text);
    body.appendChild(close);
    el.appendChild(body);
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  };

  // j / k move between rows that have [data-task-row] (or [data-queue-row]); Enter follows the row's link.
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target.tagName || "").toLowerCase();
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ["input", "select", "textarea"].indexOf(tag) >= 0) return;
    if (ev.key !== "j" && ev.key !== "k") return;
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-task-row] a.task-link, [data-queue-row] a.task-link"));
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    var next = ev.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    if (at < 0) next = 0;
    links[next].focus();
    ev.preventDefault();
  });

  // Live SLA countdowns: elements with data-countdown (ISO instant) show the time left, refreshed each 30 s.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-countdown")) - now) / 60000);
      var text = el.querySelector(".countdown-text");
      if (!text) return;
      var sign = left < 0 ? "−" : "";
      var minutes = Math.abs(left);
      var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
      text.textContent = sign + (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m";
    });
  }
  tick();
  setInterval(tick, 30000);
})();
