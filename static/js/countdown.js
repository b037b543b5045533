// Counts down to the opening of registration and reloads the page at that moment,
// when the server unlocks the booking form. Without JavaScript the page says when.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-countdown]").forEach(function (box) {
    var end = Date.now() + parseInt(box.getAttribute("data-countdown"), 10) * 1000;
    var out = box.querySelector("[data-countdown-left]");
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      if (out) { out.textContent = (h ? h + ":" : "") + pad(m) + ":" + pad(s); }
      if (left === 0) { window.location.reload(); return; }
      setTimeout(tick, 1000);
    }
    tick();
  });
});
