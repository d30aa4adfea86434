/*
 * Person pickers (decision 0020), loaded on every page; no inline scripts or styles.
 *
 * 1. A person <select data-narrow-by="id of a unit select"> shows only the people of the chosen
 *    unit (each option lists its unit and the unit's ancestors in data-units); a choice that
 *    falls outside is cleared, a single remaining person of a required field is chosen.
 *    The server refuses a person outside the unit anyway.
 * 2. A [data-people-picker] group of checkboxes gets a search box, 全选本单位 per unit and a
 *    running count.
 */
(function () {
  "use strict";

  function narrow(select, unitSelect) {
    var unitId = unitSelect.value;
    var visible = [];
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) {
        return;
      }
      var units = (option.getAttribute("data-units") || "").split(" ");
      var shown = !unitId || units.indexOf(unitId) !== -1;
      option.hidden = !shown;
      option.disabled = !shown;
      if (shown) {
        visible.push(option);
      }
    });
    var chosen = select.options[select.selectedIndex];
    if (chosen && chosen.value && chosen.hidden) {
      select.value = "";
    }
    if (select.required && !select.value && visible.length === 1) {
      select.value = visible[0].value;
    }
  }

  function setUpNarrowing(select) {
    var unitSelect = document.getElementById(select.getAttribute("data-narrow-by"));
    if (!unitSelect) {
      return;
    }
    unitSelect.addEventListener("change", function () {
      narrow(select, unitSelect);
    });
    narrow(select, unitSelect);
  }

  function setUpPeoplePicker(picker) {
    var boxes = picker.querySelectorAll("input[type=checkbox]");
    var count = picker.querySelector("[data-people-count]");
    var search = picker.querySelector("[data-people-search]");
    var tools = picker.querySelector("[data-people-tools]");

    function updateCount() {
      var checked = 0;
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked) {
          checked += 1;
        }
      });
      count.textContent = String(checked);
    }

    picker.querySelectorAll("[data-people-unit]").forEach(function (unit) {
      var button = unit.querySelector("[data-select-unit]");
      button.hidden = false;
      button.addEventListener("click", function () {
        var shown = Array.prototype.filter.call(
          unit.querySelectorAll("[data-people-person]"),
          function (person) {
            return !person.hidden;
          }
        );
        var allChecked = shown.every(function (person) {
          return person.querySelector("input").checked;
        });
        shown.forEach(function (person) {
          person.querySelector("input").checked = !allChecked;
        });
        updateCount();
      });
    });

    search.addEventListener("input", function () {
      var term = search.value.trim();
      picker.querySelectorAll("[data-people-unit]").forEach(function (unit) {
        var unitMatches = term && unit.getAttribute("data-unit-name").indexOf(term) !== -1;
        var anyShown = false;
        unit.querySelectorAll("[data-people-person]").forEach(function (person) {
          var shown =
            !term || unitMatches || person.getAttribute("data-person-name").indexOf(term) !== -1;
          person.hidden = !shown;
          anyShown = anyShown || shown;
        });
        unit.hidden = !anyShown;
      });
    });

    picker.addEventListener("change", updateCount);
    tools.hidden = false;
    updateCount();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-narrow-by]").forEach(setUpNarrowing);
    document.querySelectorAll("[data-people-picker]").forEach(setUpPeoplePicker);
  });
})();
