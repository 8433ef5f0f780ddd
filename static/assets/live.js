// Live updates for the status page. When the public state changes, the server says so on
// /api/v1/stream; this fetches the page again and swaps in its <main>, keeping the scroll
// position. It only enhances: without it (or without EventSource) every page is complete,
// and reloading shows the same thing. EventSource reconnects by itself, sending the last
// event id, so a reconnecting page catches up on what it missed.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;

  var revisionOf = function (body) { return Number(body && body.getAttribute("data-revision")) || 0; };
  var shown = revisionOf(document.body); // what this page shows
  var wanted = shown;                    // the newest revision announced
  var busy = false, retries = 0;

  function refresh() {
    if (busy || wanted <= shown || document.hidden) return; // hidden: on visibilitychange
    busy = true;
    fetch(location.href, { cache: "no-store", credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) throw new Error("status " + res.status);
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var rev = revisionOf(doc.body);
        var main = document.querySelector("main"), next = doc.querySelector("main");
        if (main && next && rev > shown) {
          var x = window.scrollX, y = window.scrollY;
          main.innerHTML = next.innerHTML;
          document.title = doc.title;
          document.body.setAttribute("data-revision", String(rev));
          window.scrollTo(x, y);
          shown = rev;
        }
        if (rev < wanted) throw new Error("stale page"); // a cache answered: try again
        retries = 0;
      })
      .catch(function () { retries++; })
      .then(function () {
        busy = false;
        if (wanted > shown && retries < 5) setTimeout(refresh, 1000 * retries);
      });
  }

  function onEvent(e) {
    var rev = 0;
    try { rev = JSON.parse(e.data).revision; } catch (_) { return; }
    if (typeof rev === "number" && rev > wanted) {
      wanted = rev;
      retries = 0;
      refresh();
    }
  }

  var stream = new EventSource("/api/v1/stream");
  stream.addEventListener("change", onEvent);
  stream.addEventListener("resync", onEvent);
  document.addEventListener("visibilitychange", refresh);
})();
