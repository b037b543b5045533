/* The kiosk's small helpers. Every flow works without this file; it only adds
   the on-screen number pad, the "still there?" prompt and the print button. */
(function () {
  "use strict";

  function setUpKeypad() {
    var pad = document.querySelector(".keypad");
    if (!pad) return;
    var fields = Array.prototype.slice.call(document.querySelectorAll(".keypad-target input"));
    if (!fields.length) return;
    var active = fields.find(function (f) { return !f.value; }) || fields[0];
    fields.forEach(function (f) {
      f.addEventListener("focus", function () { active = f; });
    });
    pad.hidden = false;
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) return;
      var value = key.getAttribute("data-key");
      if (value === "back") active.value = active.value.slice(0, -1);
      else if (value === "clear") active.value = "";
      else {
        active.value += value;
        var max = active.name === "pin" ? 6 : 11;
        if (active.value.length >= max) {
          var next = fields[fields.indexOf(active) + 1];
          if (next) active = next;
        }
      }
      active.focus({ preventScroll: true });
    });
  }

  function setUpIdle() {
    var dialog = document.getElementById("idle-dialog");
    if (!dialog) return;
    var promptAfter = parseInt(dialog.getAttribute("data-prompt"), 10) * 1000;
    var answerWithin = parseInt(dialog.getAttribute("data-answer"), 10);
    var timeoutUrl = dialog.getAttribute("data-timeout-url");
    var keepAliveUrl = dialog.getAttribute("data-keepalive-url");
    var count = document.getElementById("idle-count");
    var promptTimer = null;
    var tick = null;
    var lastServerContact = Date.now();

    function leave() { window.location.assign(timeoutUrl); }

    function showPrompt() {
      var left = answerWithin;
      count.textContent = String(left);
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      tick = window.setInterval(function () {
        left -= 1;
        count.textContent = String(Math.max(left, 0));
        if (left <= 0) { window.clearInterval(tick); leave(); }
      }, 1000);
    }

    function restart() {
      window.clearTimeout(promptTimer);
      window.clearInterval(tick);
      if (dialog.open) dialog.close();
      promptTimer = window.setTimeout(showPrompt, promptAfter);
      if (Date.now() - lastServerContact > 30000) {
        lastServerContact = Date.now();
        fetch(keepAliveUrl, { credentials: "same-origin" });
      }
    }

    document.getElementById("idle-stay").addEventListener("click", restart);
    ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, function () { if (!dialog.open) restart(); }, { passive: true });
    });
    restart();
  }

  function setUpPrint() {
    var button = document.querySelector("[data-print]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  function setUpRefresh() {
    // The start screen starts again for fresh seat counts (and the default language),
    // but never under someone's finger.
    var seconds = parseInt(document.body.getAttribute("data-refresh-idle"), 10);
    var url = document.body.getAttribute("data-refresh-url");
    if (!(seconds > 0)) return;
    var timer = null;
    function wait() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (url) window.location.assign(url);
        else window.location.reload();
      }, seconds * 1000);
    }
    ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, wait, { passive: true });
    });
    wait();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpRefresh();
    setUpKeypad();
    setUpIdle();
    setUpPrint();
  });
})();
