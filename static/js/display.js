/* The lobby board reloads itself every data-refresh seconds (without JavaScript a
   <noscript> meta refresh does the same). */
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-refresh"), 10);
  if (seconds > 0) window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
