// Progressive enhancement only: the page reads fully without it. Where the reader's time zone differs
// from a session's, show the times in the reader's zone too.
(function () {
  "use strict";
  var readerZone;
  try { readerZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  var day = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
  var time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  function sameWallClock(iso) {
    // The ISO string carries the session's own offset: compare it with the reader's offset at that instant.
    var m = /([+-])(\d\d):(\d\d)$|Z$/.exec(iso);
    if (!m) { return true; }
    var sessionOffset = m[0] === "Z" ? 0 : (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10));
    return -new Date(iso).getTimezoneOffset() === sessionOffset;
  }
  var shown = false;
  document.querySelectorAll(".local[data-start]").forEach(function (el) {
    var start = el.getAttribute("data-start"), end = el.getAttribute("data-end");
    if (sameWallClock(start)) { return; }
    var a = new Date(start);
    var text = "Your time (" + readerZone + "): " + day.format(a) + ", " + time.format(a);
    if (end) { text += "–" + time.format(new Date(end)); }
    el.textContent = text;
    el.hidden = false;
    shown = true;
  });
  if (shown) { document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; }); }
}());
