// "Show all letters from the sender" (SPEC #41) opens a card with ?feed=letter: show its Feed filtered to
// letters by pressing the Feed's own "Letters" chip, and scroll to it.
window.addEventListener("load", function () {
  "use strict";
  var kind = new URLSearchParams(window.location.search).get("feed");
  if (!kind || !/^[a-z_]+$/.test(kind)) return;
  var chip = document.querySelector('[data-testid="feed"] [data-kind="' + kind + '"]');
  if (!chip) return;
  chip.click();
  chip.closest('[data-testid="feed"]').scrollIntoView({ block: "start" });
});
