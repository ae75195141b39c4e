// Shows every <time datetime="…"> in the viewer's own time zone. The server writes the
// site's zone (Asia/Shanghai by default), so without JavaScript the text is still right;
// when the viewer's zone differs, the zone's short name follows the time.
(function () {
  "use strict";
  var site = document.documentElement.getAttribute("data-zone") || "Asia/Shanghai";
  var here;
  try { here = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!here || here === site) { return; }
  var fmt = new Intl.DateTimeFormat("en-CA", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false, timeZoneName: "short"
  });
  var els = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < els.length; i++) {
    var d = new Date(els[i].getAttribute("datetime"));
    if (isNaN(d)) { continue; }
    var p = {};
    fmt.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    var hour = p.hour === "24" ? "00" : p.hour;
    els[i].textContent = p.year + "-" + p.month + "-" + p.day + " " + hour + ":" + p.minute + " " + (p.timeZoneName || "");
    els[i].title = here;
  }
})();
