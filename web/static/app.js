// Dateline: a little progressive enhancement. Everything works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Submit the sort form as soon as the choice changes (the button is the no-JS fallback).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
    });
  });

  // A filter box above long facet lists: matches are shown even among the collapsed values.
  var counter = 0;
  document.querySelectorAll('.facet-list[data-filterable="true"]').forEach(function (list) {
    var facet = list.closest(".facet");
    var title = facet.querySelector(".facet-title");
    var more = facet.querySelector(".facet-more");
    var id = "facet-filter-" + (++counter);
    var wrapper = document.createElement("div");
    wrapper.className = "facet-filter";
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = id;
    label.textContent = "Filter " + (title ? title.textContent.trim().toLowerCase() : "values");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.placeholder = "Filter " + (title ? title.textContent.trim().toLowerCase() : "values") + "…";
    input.autocomplete = "off";
    var empty = document.createElement("p");
    empty.className = "facet-nomatch";
    empty.hidden = true;
    empty.textContent = "No match";
    empty.setAttribute("role", "status");
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    list.parentNode.insertBefore(wrapper, list);
    list.parentNode.insertBefore(empty, list.nextSibling);

    var items = Array.prototype.slice.call(list.children);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (item) {
        var name = item.querySelector(".facet-name");
        var text = (name ? name.textContent : item.textContent).toLowerCase();
        var visible = needle ? text.indexOf(needle) !== -1 : !item.hasAttribute("data-extra");
        item.hidden = !visible;
        if (visible) { shown += 1; }
      });
      empty.hidden = shown > 0;
      if (more) { more.hidden = needle.length > 0; }
    });
  });
})();

// Keyboard: "/" focuses the search box (as on most search sites), unless typing in a field.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) { return; }
    var box = document.getElementById("q");
    if (!box) { return; }
    event.preventDefault();
    box.focus();
    box.select();
  });
})();

// Phones: the filters are a drawer opened from the "Filters (n)" button at the top of the
// results. Without JavaScript the button is a link to the filters below the results.
(function () {
  "use strict";
  var drawer = document.getElementById("filters");
  var toggle = document.querySelector("[data-drawer-toggle]");
  if (!drawer || !toggle) { return; }
  var phone = window.matchMedia("(max-width: 600px)");
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", "false");
  var close = document.createElement("button");
  close.type = "button";
  close.className = "drawer-close";
  close.textContent = "Close filters";
  drawer.insertBefore(close, drawer.firstChild);

  function open() {
    document.body.classList.add("drawer-open");
    toggle.setAttribute("aria-expanded", "true");
    drawer.focus();
  }
  function shut() {
    if (!document.body.classList.contains("drawer-open")) { return; }
    document.body.classList.remove("drawer-open");
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  }
  document.querySelectorAll('a[href="#filters"]').forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!phone.matches) { return; }
      event.preventDefault();
      open();
    });
  });
  close.addEventListener("click", shut);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { shut(); }
  });
  document.addEventListener("click", function (event) {
    if (document.body.classList.contains("drawer-open") && event.target === document.body) { shut(); }
  });
  phone.addEventListener("change", function () { if (!phone.matches) { shut(); } });
})();

// A loading state for slow requests: a bar at the top and a status message, from the moment a
// search form is sent or a link to another search page is followed.
(function () {
  "use strict";
  var status = document.getElementById("loading-status");
  var timer = null;
  function loading() {
    timer = window.setTimeout(function () {
      document.documentElement.classList.add("is-loading");
      var main = document.getElementById("main");
      if (main) { main.setAttribute("aria-busy", "true"); }
      if (status) { status.textContent = "Loading…"; }
    }, 150);
  }
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) { loading(); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || link.hasAttribute("download") || link.target) { return; }
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.indexOf("/api/") === 0 ||
        url.pathname === "/feed" || (url.pathname === window.location.pathname && url.search === window.location.search)) {
      return;
    }
    loading();
  });
  window.addEventListener("pageshow", function () {
    window.clearTimeout(timer);
    document.documentElement.classList.remove("is-loading");
    var main = document.getElementById("main");
    if (main) { main.removeAttribute("aria-busy"); }
    if (status) { status.textContent = ""; }
  });
})();

// The date histogram: drag across bars (mouse or pen) to search that range. A click on one bar
// is its link: that period, which the next page shows in months or days.
(function () {
  "use strict";
  document.querySelectorAll(".histogram").forEach(function (list) {
    var rows = Array.prototype.slice.call(list.querySelectorAll("a.hist-row[data-from]"));
    var first = null;
    var last = null;
    var dragged = false;

    function mark() {
      var low = Math.min(first, last);
      var high = Math.max(first, last);
      rows.forEach(function (row, index) { row.classList.toggle("in-range", index >= low && index <= high); });
    }
    function indexOf(target) {
      var row = target && target.closest ? target.closest("a.hist-row") : null;
      return row ? rows.indexOf(row) : -1;
    }
    rows.forEach(function (row) { row.setAttribute("draggable", "false"); });
    list.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "touch" || event.button !== 0) { return; }
      var index = indexOf(event.target);
      if (index < 0) { return; }
      first = last = index;
      dragged = false;
      event.preventDefault();  // no text selection or link drag
    });
    list.addEventListener("pointermove", function (event) {
      if (first === null) { return; }
      var index = indexOf(document.elementFromPoint(event.clientX, event.clientY));
      if (index < 0 || index === last) { return; }
      last = index;
      dragged = dragged || last !== first;
      list.classList.add("is-dragging");
      mark();
    });
    document.addEventListener("pointerup", function () {
      if (first === null) { return; }
      var low = rows[Math.min(first, last)];
      var high = rows[Math.max(first, last)];
      first = last = null;
      list.classList.remove("is-dragging");
      if (!dragged) { return; }  // a click: the link does it
      var url = new URL(low.href, window.location.href);
      url.searchParams.set("from", low.getAttribute("data-from"));
      url.searchParams.set("to", high.getAttribute("data-to"));
      window.location.assign(url.toString());
    });
    list.addEventListener("click", function (event) {
      if (dragged) { event.preventDefault(); dragged = false; }
    });
  });
})();
