/*
 * Idle warning and local drafts for signed-in pages (decision 0019).
 *
 * 1. The page knows from <body data-idle-seconds-left> when the server will count the session
 *    as idle. One minute before (data-idle-warning-seconds) a dialog counts down; 继续工作
 *    POSTs to the keepalive, which restarts the server's clock. The latest deadline is shared
 *    through localStorage, so a page opened or renewed in another tab keeps this one alive.
 *    When time is up the browser goes to the timed-out page, where the server decides.
 * 2. Forms marked data-draft="<key>" keep their text in localStorage (per user, 7 days) while
 *    typed; the page offers 恢复草稿 when the form comes back. A draft is removed after the
 *    submit that the next page confirms with a success message, and on sign-out.
 *    Passwords, files, hidden fields and anything inside [data-draft-skip] are never stored.
 * No inline script, no eval, no innerHTML (strict CSP).
 */
(function () {
  "use strict";

  var body = document.body;
  var userId = body.dataset.userId;
  if (!userId) {
    return;
  }

  var DEADLINE_KEY = "saohei.idle-deadline." + userId;
  var DRAFT_PREFIX = "saohei.draft.";
  var USER_DRAFT_PREFIX = DRAFT_PREFIX + userId + ".";
  // sessionStorage (this tab only): the draft form just submitted, judged by the next page.
  var SUBMITTED_KEY = "saohei.draft-submitted." + userId;
  var DRAFT_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
  var SAVE_DELAY_MS = 600;
  // Arrive a little after the server's deadline, so the server agrees the session is idle.
  var EXPIRY_MARGIN_MS = 1500;
  var SKIPPED_INPUT_TYPES = ["password", "hidden", "file", "submit", "button", "reset", "image",
    "email", "tel"];

  function storageGet(storage, key) {
    try {
      return storage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function storageSet(storage, key, value) {
    try {
      storage.setItem(key, value);
    } catch (error) {
      // Storage full or refused (private mode): the page still works, only without drafts.
    }
  }

  function storageRemove(storage, key) {
    try {
      storage.removeItem(key);
    } catch (error) {
      // Nothing stored, nothing to remove.
    }
  }

  function storageKeys(storage) {
    var keys = [];
    try {
      for (var index = 0; index < storage.length; index += 1) {
        keys.push(storage.key(index));
      }
    } catch (error) {
      return [];
    }
    return keys;
  }

  // ---- Idle warning ---------------------------------------------------------------------

  var dialog = document.querySelector("[data-testid='idle-warning']");
  var countdown = dialog && dialog.querySelector("[data-idle-countdown]");
  var announce = dialog && dialog.querySelector("[data-idle-announce]");
  var errorLine = dialog && dialog.querySelector("[data-idle-error]");
  var continueButton = dialog && dialog.querySelector("[data-idle-continue]");
  var warningMs = Number(body.dataset.idleWarningSeconds || "60") * 1000;
  var ownDeadline = Date.now() + Number(body.dataset.idleSecondsLeft || "0") * 1000;
  var focusBefore = null;
  var leaving = false;
  // After 退出 nothing may write a draft again, not even a save still waiting for its delay.
  var signedOut = false;

  function sharedDeadline() {
    var stored = Number(storageGet(window.localStorage, DEADLINE_KEY));
    return stored > 0 ? stored : 0;
  }

  function deadline() {
    return Math.max(ownDeadline, sharedDeadline());
  }

  function publishDeadline(value, renewed) {
    ownDeadline = value;
    // A page load only moves the shared deadline later; a renewal always sets it.
    if (renewed || value > sharedDeadline()) {
      storageSet(window.localStorage, DEADLINE_KEY, String(value));
    }
  }

  function showWarning(secondsLeft) {
    if (dialog.hidden) {
      focusBefore = document.activeElement;
      dialog.hidden = false;
      errorLine.hidden = true;
      continueButton.focus();
    }
    countdown.textContent = String(secondsLeft);
    // A screen reader hears the dialog once and then a few milestones, not every second.
    if (secondsLeft === 30 || secondsLeft === 10) {
      announce.textContent = "还剩 " + secondsLeft + " 秒将退出登录";
    }
  }

  function hideWarning() {
    if (dialog.hidden) {
      return;
    }
    dialog.hidden = true;
    announce.textContent = "";
    if (focusBefore && typeof focusBefore.focus === "function") {
      focusBefore.focus();
    }
    focusBefore = null;
  }

  function leave() {
    if (leaving) {
      return;
    }
    leaving = true;
    saveAllDrafts();
    var query = new URLSearchParams({ next: window.location.pathname + window.location.search });
    if (hasDrafts()) {
      query.set("draft", "1");
    }
    window.location.assign(body.dataset.timedOutUrl + "?" + query.toString());
  }

  function tick() {
    if (leaving || !dialog) {
      return;
    }
    var left = deadline() - Date.now();
    if (left <= -EXPIRY_MARGIN_MS) {
      leave();
    } else if (left <= warningMs) {
      showWarning(Math.max(0, Math.ceil(left / 1000)));
    } else {
      hideWarning();
    }
  }

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function keepAlive() {
    continueButton.disabled = true;
    window
      .fetch(body.dataset.keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) {
          // 401 (already idle on the server), a redirect or a refused token: time is up.
          leave();
          return null;
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer) {
          publishDeadline(Date.now() + answer.seconds_left * 1000, true);
          hideWarning();
        }
      })
      .catch(function () {
        errorLine.textContent = "网络连接失败，未能续期，请检查网络后再点“继续工作”。";
        errorLine.hidden = false;
      })
      .finally(function () {
        continueButton.disabled = false;
      });
  }

  if (dialog) {
    publishDeadline(ownDeadline, false);
    continueButton.addEventListener("click", keepAlive);
    // The dialog is modal and has one button: Tab stays on it instead of the page behind.
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Tab") {
        event.preventDefault();
        continueButton.focus();
      }
    });
    window.setInterval(tick, 1000);
    window.addEventListener("storage", function (event) {
      if (event.key === DEADLINE_KEY) {
        tick();
      }
    });
    // Background tabs get their timers slowed down; catch up as soon as the tab is seen.
    document.addEventListener("visibilitychange", tick);
  }

  // ---- Local drafts ---------------------------------------------------------------------

  function draftKey(form) {
    return USER_DRAFT_PREFIX + form.dataset.draft;
  }

  function draftableFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.closest("[data-draft-skip]")) {
        return false;
      }
      if (field.autocomplete === "one-time-code") {
        return false;
      }
      if (field.tagName === "TEXTAREA" || field.tagName === "SELECT") {
        return true;
      }
      return field.tagName === "INPUT" && SKIPPED_INPUT_TYPES.indexOf(field.type) === -1;
    });
  }

  function fieldValue(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked;
    }
    if (field.tagName === "SELECT" && field.multiple) {
      return Array.prototype.filter
        .call(field.options, function (option) {
          return option.selected;
        })
        .map(function (option) {
          return option.value;
        });
    }
    return field.value;
  }

  // Fields in document order: [name, value] pairs (checkboxes by their value too).
  function snapshot(form) {
    return draftableFields(form).map(function (field) {
      var name = field.type === "checkbox" || field.type === "radio"
        ? field.name + "=" + field.value
        : field.name;
      return [name, fieldValue(field)];
    });
  }

  function sameValues(first, second) {
    return JSON.stringify(first) === JSON.stringify(second);
  }

  function readDraft(key) {
    var raw = storageGet(window.localStorage, key);
    if (!raw) {
      return null;
    }
    try {
      var draft = JSON.parse(raw);
      if (Date.now() - draft.savedAt > DRAFT_LIFETIME_MS) {
        storageRemove(window.localStorage, key);
        return null;
      }
      return draft;
    } catch (error) {
      storageRemove(window.localStorage, key);
      return null;
    }
  }

  var pristine = new WeakMap();
  var timers = new WeakMap();

  function saveDraft(form) {
    window.clearTimeout(timers.get(form));
    timers.delete(form);
    if (signedOut) {
      return;
    }
    var values = snapshot(form);
    // Back to what the page came with: nothing worth keeping.
    if (pristine.has(form) && sameValues(values, pristine.get(form))) {
      storageRemove(window.localStorage, draftKey(form));
      return;
    }
    storageSet(
      window.localStorage,
      draftKey(form),
      JSON.stringify({ savedAt: Date.now(), values: values }),
    );
  }

  function saveAllDrafts() {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      if (timers.has(form)) {
        saveDraft(form);
      }
    });
  }

  function hasDrafts() {
    return storageKeys(window.localStorage).some(function (key) {
      return key && key.indexOf(USER_DRAFT_PREFIX) === 0;
    });
  }

  function restore(form, values) {
    var byName = {};
    values.forEach(function (pair) {
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    });
    draftableFields(form).forEach(function (field) {
      var checkable = field.type === "checkbox" || field.type === "radio";
      var name = checkable ? field.name + "=" + field.value : field.name;
      var queue = byName[name];
      if (!queue || !queue.length) {
        return;
      }
      var value = queue.shift();
      if (checkable) {
        field.checked = value === true;
      } else if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = value.indexOf(option.value) !== -1;
        });
      } else {
        field.value = value;
      }
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function savedAtLabel(savedAt) {
    var saved = new Date(savedAt);
    var now = new Date();
    var time = String(saved.getHours()).padStart(2, "0") + ":" +
      String(saved.getMinutes()).padStart(2, "0");
    if (saved.toDateString() === now.toDateString()) {
      return time;
    }
    return (saved.getMonth() + 1) + "月" + saved.getDate() + "日 " + time;
  }

  function offerDraft(form, draft) {
    var bar = document.createElement("div");
    bar.className = "alert alert-info py-2 d-flex flex-wrap align-items-center gap-2";
    bar.setAttribute("role", "status");
    bar.dataset.testid = "draft-offer";
    var text = document.createElement("span");
    text.textContent = "本机保存有这张表单未提交的草稿。";
    var restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.className = "btn btn-sm btn-primary";
    restoreButton.textContent = "恢复草稿（保存于 " + savedAtLabel(draft.savedAt) + "）";
    var discardButton = document.createElement("button");
    discardButton.type = "button";
    discardButton.className = "btn btn-sm btn-outline-secondary";
    discardButton.textContent = "丢弃草稿";
    bar.append(text, restoreButton, discardButton);
    form.before(bar);
    restoreButton.addEventListener("click", function () {
      restore(form, draft.values);
      bar.remove();
      var first = draftableFields(form).find(function (field) {
        return field.tagName === "TEXTAREA";
      });
      if (first) {
        first.focus();
      }
    });
    discardButton.addEventListener("click", function () {
      storageRemove(window.localStorage, draftKey(form));
      bar.remove();
    });
  }

  function successShown() {
    return document.querySelector("[data-message-level~='success']") !== null;
  }

  // The page after a submit: a success message means the draft did its job.
  function settleSubmittedDraft() {
    var submitted = storageGet(window.sessionStorage, SUBMITTED_KEY);
    if (!submitted) {
      return;
    }
    storageRemove(window.sessionStorage, SUBMITTED_KEY);
    if (successShown()) {
      storageRemove(window.localStorage, submitted);
    }
  }

  function forgetExpiredDrafts() {
    storageKeys(window.localStorage).forEach(function (key) {
      if (key && key.indexOf(DRAFT_PREFIX) === 0) {
        readDraft(key);
      }
    });
  }

  function setUpDraftForms(root) {
    root.querySelectorAll("form[data-draft]").forEach(function (form) {
      if (pristine.has(form)) {
        return;
      }
      pristine.set(form, snapshot(form));
      var draft = readDraft(draftKey(form));
      if (draft && !sameValues(draft.values, pristine.get(form))) {
        offerDraft(form, draft);
      }
    });
  }

  function draftFormOf(target) {
    var form = target && target.form;
    return form && form.hasAttribute("data-draft") ? form : null;
  }

  function scheduleSave(event) {
    var form = draftFormOf(event.target);
    if (!form) {
      return;
    }
    window.clearTimeout(timers.get(form));
    timers.set(
      form,
      window.setTimeout(function () {
        saveDraft(form);
      }, SAVE_DELAY_MS),
    );
  }

  function forgetUserDrafts() {
    storageKeys(window.localStorage).forEach(function (key) {
      if (key && (key.indexOf(USER_DRAFT_PREFIX) === 0 || key === DEADLINE_KEY)) {
        storageRemove(window.localStorage, key);
      }
    });
    storageRemove(window.sessionStorage, SUBMITTED_KEY);
  }

  document.addEventListener("input", scheduleSave);
  document.addEventListener("change", scheduleSave);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-sign-out")) {
      // A shared office PC keeps nothing of this user after 退出.
      signedOut = true;
      leaving = true;
      forgetUserDrafts();
      return;
    }
    if (form.hasAttribute("data-draft")) {
      saveDraft(form);
      storageSet(window.sessionStorage, SUBMITTED_KEY, draftKey(form));
    }
  });
  // Leaving by a link with text not yet saved: save it now rather than lose the last words.
  window.addEventListener("pagehide", saveAllDrafts);
  document.body.addEventListener("htmx:afterSettle", function (event) {
    setUpDraftForms(event.target);
  });

  forgetExpiredDrafts();
  settleSubmittedDraft();
  setUpDraftForms(document);
})();
