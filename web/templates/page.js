(function () {
  var tz;
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) {}
  var cur = document.getElementById("tz-current");
  var mine = document.getElementById("tz-mine");
  if (tz && cur && mine && tz !== cur.getAttribute("data-tz")) {
    var u = new URL(location.href);
    var asked = u.searchParams.has("tz");
    u.searchParams.set("tz", tz);
    if (!asked) {
      // First opened without a zone: show the viewer's (the page links
      // back to the rotation's).
      location.replace(u.pathname + u.search);
      return;
    }
    mine.href = u.pathname + u.search;
    mine.textContent = "Show in your zone (" + tz + ")";
    mine.hidden = false;
  }
  var copy = document.getElementById("copy");
  var url = document.getElementById("feed-url");
  if (copy && url) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var done = function () { copy.textContent = "Copied"; };
      url.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  }
})();
