// The mail page: row clicks open the reading pane, selection and bulk actions, list columns, the letter body
// frame (its height, and the "Copy hyperlink" context menu on links and images, SPEC #37).
(function () {
  "use strict";
  var TEXT = window.MAIL_TEXT || {};

  function toast(message, url) {
    var box = document.getElementById("mail-toasts");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "toast show align-items-center text-bg-light border";
    item.setAttribute("role", "status");
    item.dataset.testid = "mail-toast";
    var body = document.createElement("div");
    body.className = "toast-body small text-break";
    body.textContent = message + (url ? " " : "");
    if (url) {
      var code = document.createElement("code");
      code.textContent = url;
      code.dataset.testid = "copied-url";
      body.appendChild(code);
    }
    item.appendChild(body);
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
  }

  // --- the list ---------------------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr.mail-row");
    if (!row || event.target.closest("a, button, input, label, select")) return;
    var link = row.querySelector("a.mail-open");
    if (link) link.click();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.mail-open");
    if (!link) return;
    document.querySelectorAll("tr.mail-row.table-active").forEach(function (r) { r.classList.remove("table-active"); });
    var row = link.closest("tr.mail-row");
    if (row) row.classList.add("table-active");
  });

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input.mail-select").forEach(function (box) { box.checked = all.checked; });
      return;
    }
    var column = event.target.closest("[data-column]");
    if (column) {
      var form = column.closest("form");
      var field = form.querySelector("[data-columns-field]");
      var chosen = Array.prototype.map.call(form.querySelectorAll("[data-column]:checked"), function (box) {
        return box.dataset.column;
      });
      field.value = chosen.join(",");
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "mail-bulk") return;
    var chosen = document.querySelectorAll("input.mail-select:checked").length;
    if (!chosen) {
      event.preventDefault();
      toast(TEXT.noneSelected || "Select at least one letter.");
    }
  });

  // --- the reading pane -------------------------------------------------------------------------------------
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var pane = event.detail.target;
    if (!pane || pane.id !== "reading-pane") return;
    var letter = pane.querySelector("[data-letter-id]");
    if (!letter) return;
    var row = document.querySelector('tr.mail-row[data-letter-id="' + letter.dataset.letterId + '"]');
    if (row) row.classList.remove("unread");
    pane.querySelectorAll("iframe.mail-body-frame").forEach(prepareFrame);
  });
  document.querySelectorAll("iframe.mail-body-frame").forEach(prepareFrame);

  function prepareFrame(frame) {
    function ready() {
      var doc = frame.contentDocument;
      if (!doc || !doc.body) return;
      frame.style.height = Math.max(200, doc.documentElement.scrollHeight + 20) + "px";
      if (doc.__mailMenu) return;
      doc.__mailMenu = true;
      doc.addEventListener("contextmenu", function (event) { openMenu(event, frame); });
      doc.addEventListener("click", hideMenu);
      doc.addEventListener("keydown", function (event) { if (event.key === "Escape") hideMenu(); });
    }
    frame.addEventListener("load", ready);
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") ready();
  }

  var menu = null;
  var menuUrl = "";

  function targetUrl(node) {
    var link = node.closest && node.closest("a[href]");
    if (link) return link.href || link.getAttribute("href");
    var image = node.closest && node.closest("img[src]");
    if (image) return image.src || image.getAttribute("src");
    return "";
  }

  function openMenu(event, frame) {
    var url = targetUrl(event.target);
    if (!url) { hideMenu(); return; } // the browser's own menu everywhere else
    event.preventDefault();
    menu = menu || document.getElementById("mail-context-menu");
    if (!menu) return;
    menuUrl = url;
    menu.querySelector("[data-context-url]").textContent = url;
    var box = frame.getBoundingClientRect();
    menu.style.left = Math.min(box.left + event.clientX, window.innerWidth - 320) + "px";
    menu.style.top = Math.min(box.top + event.clientY, window.innerHeight - 120) + "px";
    menu.classList.add("show");
    menu.querySelector("[data-copy-link]").focus();
  }

  function hideMenu() {
    if (menu) menu.classList.remove("show");
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      area.remove();
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-copy-link]")) {
      var url = menuUrl;
      hideMenu();
      copyText(url).then(
        function () { toast(TEXT.copied || "Link copied:", url); },
        function () { toast(TEXT.copyFailed || "Copy this link by hand:", url); }
      );
      return;
    }
    if (!event.target.closest("#mail-context-menu")) hideMenu();
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") hideMenu(); });
  window.addEventListener("scroll", hideMenu, true);
})();
