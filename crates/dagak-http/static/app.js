// dagak's progressive enhancement: every page works without this script.
// - Organisation picker: an input with `data-org-picker` suggests organisations as one types
//   (from the directory's own search), filling the field with "Name (#id)", which the server reads.
// - Keyboard: "/" focuses the search box, "n" opens "new" on a list page, Ctrl+Enter (or
//   Cmd+Enter) submits the form being typed in.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function label(org) {
    var lang = document.documentElement.lang === "en" ? "en" : "ko";
    var first = lang === "en" ? org.name_en : org.name_ko;
    var second = lang === "en" ? org.name_ko : org.name_en;
    return first || second || ("#" + org.id);
  }

  function attachPicker(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var asked = "";
    var suggest = debounce(function () {
      var text = input.value.trim();
      if (text.length < 2 || /\(#\d+\)$/.test(text) || text === asked) { return; }
      asked = text;
      fetch("/api/v1/organizations?per_page=8&q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (found) {
          if (input.value.trim() !== text) { return; }
          while (list.firstChild) { list.removeChild(list.firstChild); }
          (found.items || []).forEach(function (org) {
            var option = document.createElement("option");
            option.value = label(org) + " (#" + org.id + ")";
            var where = [org.city, org.country].filter(Boolean).join(" · ");
            if (where) { option.label = where; }
            list.appendChild(option);
          });
        })
        .catch(function () { /* the form still works by name */ });
    }, 150);
    input.addEventListener("input", suggest);
  }

  function typing(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && typing(event.target)) {
      var form = event.target.form;
      if (form) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (event.key === "/") {
      var search = document.querySelector("[data-shortcut='search']");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "n") {
      var create = document.querySelector("[data-shortcut='new']");
      if (create) { event.preventDefault(); window.location.href = create.getAttribute("href"); }
    }
  });

  document.querySelectorAll("input[data-org-picker]").forEach(attachPicker);

  // Bulk selection: the heading's box ticks every row's box of the table.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var table = all.closest("table");
    all.addEventListener("change", function () {
      table.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
    });
  });
})();
