/* nemo-fake inspector: live refresh over the fake's own SSE feed, and the control forms
   as same-origin JSON requests to the admin API. Plain JS, no build step, no CDN. */
(function () {
  "use strict";

  var body = document.body;
  var toast = document.getElementById("toast");
  var lastHtml = {}; // the server's last HTML of each live region

  document.querySelectorAll(".origin").forEach(function (el) {
    el.textContent = location.origin;
  });

  function say(text, bad) {
    if (!toast) return;
    toast.textContent = text;
    toast.className = bad ? "show bad" : "show";
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.className = ""; }, 6000);
  }

  /* --- live regions ------------------------------------------------------------------ */

  function busy(el) {
    // a form region the user is typing in keeps its values until they submit
    var active = document.activeElement;
    if (active && el.contains(active) && active.matches("input, select, textarea")) return true;
    return Array.prototype.some.call(el.querySelectorAll("input, select"), function (input) {
      if (input.type === "checkbox") return String(input.checked) !== input.dataset.original;
      return input.dataset.original !== undefined && input.value !== input.dataset.original;
    });
  }

  function openDetails(el) {
    return Array.prototype.map.call(el.querySelectorAll("details"), function (d) { return d.open; });
  }

  function keepOpen(from, to) {
    var opened = openDetails(from);
    var now = to.querySelectorAll("details");
    if (now.length === opened.length) opened.forEach(function (open, i) { now[i].open = open; });
  }

  // The server HTML each keyed element (a render card, a turn) was built from.
  document.querySelectorAll("[data-key]").forEach(function (el) { el._src = el.outerHTML; });

  function update(el, fresh) {
    var name = el.dataset.live;
    var html = fresh.innerHTML;
    if (lastHtml[name] === undefined) lastHtml[name] = el.innerHTML;
    if (lastHtml[name] === html) return;
    if (el.hasAttribute("data-live-keep") && busy(el)) return;
    lastHtml[name] = html;
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var kids = Array.prototype.slice.call(holder.querySelectorAll("[data-key]"));
    var sources = kids.map(function (kid) { return kid.outerHTML; });
    keepOpen(el, holder);
    // Keyed elements whose HTML did not change are moved over as they are, so a playing
    // <video> keeps playing and an opened <details> stays open.
    kids.forEach(function (kid, i) {
      var old = el.querySelector('[data-key="' + kid.dataset.key + '"]');
      if (old && old._src === sources[i]) {
        kid.replaceWith(old);
      } else {
        kid._src = sources[i];
      }
    });
    el.replaceChildren.apply(el, Array.prototype.slice.call(holder.childNodes));
  }

  var refreshing = false;
  var again = false;

  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = doc.querySelector('[data-live="' + el.dataset.live + '"]');
          if (fresh) update(el, fresh);
        });
        body.classList.remove("stale");
        body.dispatchEvent(new CustomEvent("inspector:refreshed"));
      })
      .catch(function () { body.classList.add("stale"); })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  if (body.dataset.liveUrl && window.EventSource) {
    var feed = new EventSource(body.dataset.liveUrl);
    feed.addEventListener("change", refresh);
    feed.onopen = function () { body.classList.add("connected"); body.classList.remove("stale"); };
    feed.onerror = function () { body.classList.remove("connected"); body.classList.add("stale"); };
  }

  /* --- rows that open a page --------------------------------------------------------- */

  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, details, summary, input, select")) {
      location.href = row.dataset.href;
    }
  });

  /* --- actions: JSON to the admin API -------------------------------------------------- */

  function value(input) {
    var type = input.dataset.type || "str";
    if (type === "bool") return input.checked;
    var raw = input.value.trim();
    if (raw === "") return input.hasAttribute("data-nullable") ? null : undefined;
    if (type === "int") return parseInt(raw, 10);
    if (type === "float") return parseFloat(raw);
    if (type === "floats") return raw.split(",").map(function (v) { return parseFloat(v); });
    if (type === "strs") return raw.split(",").map(function (v) { return v.trim(); }).filter(Boolean);
    return raw;
  }

  function formBody(form) {
    var out = {};
    var changedOnly = form.hasAttribute("data-changed-only");
    form.querySelectorAll("[name]").forEach(function (input) {
      if (input.disabled) return;
      if (changedOnly) {
        var shown = input.type === "checkbox" ? String(input.checked) : input.value;
        if (shown === input.dataset.original) return;
      } else if (input.type === "checkbox" && !input.checked) {
        return; // an unticked box keeps the API's default
      }
      var v = value(input);
      if (v !== undefined && !(typeof v === "number" && isNaN(v))) out[input.name] = v;
    });
    return out;
  }

  function call(spec, payload) {
    var parts = spec.split(" ");
    var method = parts[0];
    var url = parts[1];
    var init = {
      method: method,
      credentials: "same-origin",
      // JSON, same origin: what the admin API accepts from a page (never a form post)
      headers: { Accept: "application/json", "Content-Type": "application/json" },
    };
    if (payload !== undefined) init.body = JSON.stringify(payload);
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = text; }
        var detail = data && typeof data === "object" && data.message ? ": " + data.message : "";
        say(method + " " + url + " → " + response.status + detail, !response.ok);
        body.dispatchEvent(new CustomEvent("inspector:answered", { detail: { status: response.status, data: data } }));
        refresh();
        return response.ok;
      });
    }).catch(function (error) { say(method + " " + url + " failed: " + error, true); return false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    var payload = formBody(form);
    call(form.dataset.api, payload).then(function (ok) {
      if (ok && form.hasAttribute("data-changed-only")) {
        form.querySelectorAll("[name]").forEach(function (input) {
          input.dataset.original = input.type === "checkbox" ? String(input.checked) : input.value;
        });
      }
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-api]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    call(button.dataset.api, button.dataset.body ? JSON.parse(button.dataset.body) : undefined);
  });
})();
