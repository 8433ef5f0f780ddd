// Live updates for the status page. When the public state changes, the server says so on
// /api/v1/stream; this fetches the page again and swaps in its <main>, keeping the scroll
// position. It only enhances: without it (or without EventSource) every page is complete,
// and reloading shows the same thing. EventSource reconnects by itself, sending the last
// event id, so a reconnecting page catches up on what it missed.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser || !window.URL) return;

  // A page's data-revision is the revision its content was rendered at; a page that has
  // not changed since keeps its older number. The page is fetched with ?live=N, N the
  // revision the stream announced: a server whose snapshot is older answers 503 and this
  // asks again, so any answer (even a CDN's copy under that URL) is at least revision N.
  var revisionOf = function (body) { return Number(body && body.getAttribute("data-revision")) || 0; };
  var shown = revisionOf(document.body); // the content on screen
  var seen = shown;                      // the newest snapshot fetched
  var wanted = shown;                    // the newest revision announced
  var busy = false, retries = 0;

  // refresh fetches the page when a newer revision was announced; force fetches it once
  // anyway (a page back in view may have missed announcements), without retrying when
  // nothing changed.
  function refresh(force) {
    if (busy || document.hidden || (!force && wanted <= seen)) return; // hidden: on visibilitychange
    busy = true;
    var target = wanted, url = new URL(location.href);
    url.searchParams.set("live", String(target));
    fetch(url.toString(), { cache: "no-store", credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) throw new Error("status " + res.status);
        return res.text().then(function (html) { return { snap: target, html: html }; });
      })
      .then(function (r) {
        var doc = new DOMParser().parseFromString(r.html, "text/html");
        var rev = revisionOf(doc.body);
        var main = document.querySelector("main"), next = doc.querySelector("main");
        if (main && next && rev > shown) {
          var x = window.scrollX, y = window.scrollY;
          var kept = capture(main);
          main.innerHTML = next.innerHTML;
          restore(main, kept);
          document.title = doc.title;
          document.body.setAttribute("data-revision", String(rev));
          window.scrollTo(x, y);
          shown = rev;
          announce(next);
        }
        seen = Math.max(seen, r.snap || rev);
        if (seen < wanted) throw new Error("newer change"); // announced meanwhile: fetch again
        retries = 0;
      })
      .catch(function () { retries++; })
      .then(function () {
        busy = false;
        if (wanted > seen && retries < 5) setTimeout(refresh, 1000 * retries);
      });
  }

  // What the reader typed, ticked, opened or focused in <main> survives the swap: an
  // update arriving while someone fills in the subscribe form (an outage is when people
  // do) must not empty it or take the cursor away, nor close the day list they opened.
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  function fieldKey(el) {
    var choice = el.type === "checkbox" || el.type === "radio";
    return "f|" + (el.form ? el.form.getAttribute("action") : "") + "|" + el.name + "|" + (choice ? el.value : "");
  }
  function detailsKey(d) {
    var owner = d.parentElement && d.parentElement.closest("[data-id]");
    return "d|" + (owner ? owner.getAttribute("data-id") : "") + "|" + d.className;
  }
  function focusKey(el) {
    if (el.name && el.form) return fieldKey(el);
    if (el.tagName === "A") return "a|" + el.getAttribute("href");
    if (el.tagName === "SUMMARY" && el.parentElement) return "s|" + detailsKey(el.parentElement);
    return "";
  }
  function capture(main) {
    var s = { fields: {}, open: {}, focus: "", sel: null };
    each(main.querySelectorAll("input, select, textarea"), function (el) {
      if (!el.name || el.type === "hidden") return;
      s.fields[fieldKey(el)] = el.type === "checkbox" || el.type === "radio" ? el.checked : el.value;
    });
    each(main.querySelectorAll("details"), function (d) {
      (s.open[detailsKey(d)] = s.open[detailsKey(d)] || []).push(d.open);
    });
    var a = document.activeElement;
    if (a && a !== main && main.contains(a)) {
      s.focus = focusKey(a);
      if (typeof a.selectionStart === "number") s.sel = [a.selectionStart, a.selectionEnd];
    }
    return s;
  }
  function restore(main, s) {
    each(main.querySelectorAll("input, select, textarea"), function (el) {
      var k = fieldKey(el);
      if (!el.name || el.type === "hidden" || !(k in s.fields)) return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = s.fields[k]; else el.value = s.fields[k];
    });
    var seen = {};
    each(main.querySelectorAll("details"), function (d) {
      var k = detailsKey(d), i = seen[k] = (seen[k] || 0) + 1;
      if (s.open[k] && i <= s.open[k].length) d.open = s.open[k][i - 1];
    });
    if (!s.focus) return;
    var found = null;
    each(main.querySelectorAll("input, select, textarea, a[href], summary"), function (el) {
      if (!found && focusKey(el) === s.focus) found = el;
    });
    if (!found) return;
    found.focus({ preventScroll: true });
    if (s.sel && typeof found.setSelectionRange === "function") {
      try { found.setSelectionRange(s.sel[0], s.sel[1]); } catch (_) {}
    }
  }

  // announce tells screen readers the page changed, and the overall status it now shows.
  function announce(next) {
    var region = document.getElementById("live-status");
    if (!region) return;
    var overall = next.querySelector("[data-testid=overall]");
    var text = region.getAttribute("data-updated") || "";
    if (overall) text += " " + overall.textContent.replace(/\s+/g, " ").trim();
    region.textContent = text;
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

  // Only a visible page keeps a stream open: browsers allow six connections per host over
  // HTTP/1.1, and a reader with many background tabs of the page would otherwise use them
  // all up. A page coming back into view reconnects and fetches itself once to catch up.
  var stream = null;
  function connect() {
    if (stream || document.hidden) return;
    stream = new EventSource("/api/v1/stream");
    stream.addEventListener("change", onEvent);
    stream.addEventListener("resync", onEvent);
  }
  function onVisibility() {
    if (document.hidden) {
      if (stream) { stream.close(); stream = null; }
      return;
    }
    connect();
    retries = 0;
    refresh(true);
  }
  connect();
  document.addEventListener("visibilitychange", onVisibility);
})();
