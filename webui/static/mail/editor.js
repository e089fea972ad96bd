// The compose page: a small HTML editor over the "html" textarea (bold, italic, underline, lists, links, the
// letter's font), the signature picker, the attachment size hint, and the "Add letter" picker (SPEC #31):
// tick + "Add selected", double-click, or drag rows onto the attachments.
(function () {
  "use strict";
  var TEXT = window.MAIL_COMPOSE_TEXT || {};
  var form = document.getElementById("compose-form");
  if (!form) return;
  var source = form.querySelector("[data-editor-source]");
  var editor = document.getElementById("compose-editor");

  // --- the editor: the textarea stays the form field; the editable block is filled from it and back ----------
  editor.innerHTML = source.value;
  editor.hidden = false;
  source.hidden = true;
  document.execCommand("defaultParagraphSeparator", false, "p");
  form.addEventListener("submit", function () { source.value = editor.innerHTML; });

  form.querySelectorAll("[data-command]").forEach(function (button) {
    button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the selection
    button.addEventListener("click", function () {
      var command = button.dataset.command;
      editor.focus();
      if (command === "createLink") {
        var url = window.prompt(TEXT.linkPrompt || "Link address", "https://");
        if (!url || !/^(https?:|mailto:|tel:)/i.test(url.trim())) return;
        document.execCommand("createLink", false, url.trim());
      } else {
        document.execCommand(command, false, null);
      }
    });
  });

  var family = form.querySelector("[data-font-family]");
  var size = form.querySelector("[data-font-size]");
  function applyFont() {
    editor.style.fontFamily = family.value;
    editor.style.fontSize = size.value;
  }
  family.addEventListener("change", applyFont);
  size.addEventListener("change", applyFont);

  // --- the signature picker: swap the marked signature block for the chosen one ------------------------------
  var picker = form.querySelector("[data-signature-picker]");
  if (picker) {
    picker.addEventListener("change", function () {
      var params = new URLSearchParams({ signature_id: picker.value });
      ["reply_to_letter_id:reply", "interest_id:interest", "ticket_id:ticket", "client_id:client"].forEach(function (pair) {
        var names = pair.split(":");
        var input = form.querySelector('[name="' + names[0] + '"]');
        if (input && input.value) params.set(names[1], input.value);
      });
      fetch(form.dataset.signatureUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          var block = editor.querySelector("[data-signature]");
          if (!block) {
            block = document.createElement("div");
            block.setAttribute("data-signature", "1");
            var quote = editor.querySelector("blockquote");
            var anchor = quote && quote.previousElementSibling ? quote.previousElementSibling : quote;
            if (anchor) { editor.insertBefore(block, anchor); } else { editor.appendChild(block); }
          }
          block.innerHTML = html;
          if (!html) block.remove();
        });
    });
  }

  // --- the attachment limit of the chosen account -----------------------------------------------------------
  var account = form.querySelector("#account_id");
  var hint = form.querySelector("[data-limit-hint]");
  function showLimit() {
    var option = account.options[account.selectedIndex];
    var limit = option ? option.dataset.limit : "";
    hint.textContent = limit && limit !== "0" ? hint.dataset.template.replace("{mb}", limit) : "";
  }
  if (account && hint) { account.addEventListener("change", showLimit); showLimit(); }

  // --- letters as .eml attachments --------------------------------------------------------------------------
  var list = form.querySelector("[data-eml-list]");
  var emptyNote = form.querySelector("[data-eml-empty]");
  function refreshEmpty() { emptyNote.hidden = list.children.length > 0; }

  function addLetter(id, subject) {
    if (list.querySelector('input[value="' + id + '"]')) return;
    var chip = document.createElement("span");
    chip.className = "badge text-bg-light border mail-chip";
    chip.setAttribute("data-eml-chip", "");
    chip.dataset.testid = "eml-chip";
    var icon = document.createElement("i");
    icon.className = "bi bi-envelope";
    chip.appendChild(icon);
    chip.appendChild(document.createTextNode(" " + (subject || TEXT.noSubject || "(no subject)") + ".eml "));
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "eml_letter_ids";
    input.value = id;
    chip.appendChild(input);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close btn-close-sm";
    remove.setAttribute("aria-label", TEXT.remove || "Remove");
    remove.setAttribute("data-eml-remove", "");
    chip.appendChild(remove);
    list.appendChild(chip);
    refreshEmpty();
  }

  list.addEventListener("click", function (event) {
    if (event.target.closest("[data-eml-remove]")) {
      event.target.closest("[data-eml-chip]").remove();
      refreshEmpty();
    }
  });

  var modalElement = document.getElementById("letter-picker");
  function closePicker() {
    if (window.bootstrap && modalElement) window.bootstrap.Modal.getOrCreateInstance(modalElement).hide();
  }
  document.addEventListener("click", function (event) {
    var row = event.target.closest(".mail-picker-row");
    if (row && !event.target.closest("input")) {
      var box = row.querySelector("[data-picker-check]");
      box.checked = !box.checked;
    }
    if (row) row.classList.toggle("selected", row.querySelector("[data-picker-check]").checked);
    if (event.target.closest("[data-picker-add]")) {
      document.querySelectorAll("#picker-rows [data-picker-check]:checked").forEach(function (box) {
        var pick = box.closest(".mail-picker-row");
        addLetter(pick.dataset.letterId, pick.dataset.subject);
        box.checked = false;
        pick.classList.remove("selected");
      });
      closePicker();
    }
  });
  document.addEventListener("dblclick", function (event) {
    var row = event.target.closest(".mail-picker-row");
    if (!row) return;
    addLetter(row.dataset.letterId, row.dataset.subject);
    closePicker();
  });

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest(".mail-picker-row");
    if (!row) return;
    event.dataTransfer.setData("application/x-routemap-letter", JSON.stringify({ id: row.dataset.letterId, subject: row.dataset.subject }));
    event.dataTransfer.effectAllowed = "copy";
  });
  var drop = form.querySelector("[data-eml-drop]");
  drop.addEventListener("dragover", function (event) {
    if (Array.prototype.indexOf.call(event.dataTransfer.types, "application/x-routemap-letter") < 0) return;
    event.preventDefault();
    drop.classList.add("dragover");
  });
  drop.addEventListener("dragleave", function () { drop.classList.remove("dragover"); });
  drop.addEventListener("drop", function (event) {
    var data = event.dataTransfer.getData("application/x-routemap-letter");
    drop.classList.remove("dragover");
    if (!data) return;
    event.preventDefault();
    var letter = JSON.parse(data);
    addLetter(letter.id, letter.subject);
  });
})();
