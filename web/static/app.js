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
