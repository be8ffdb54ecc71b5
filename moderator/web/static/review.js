// The review page's behaviour: in-place actions, keyboard shortcuts, undo, live counts.
// Plain script, no build step. Every page works without it (forms post and redirect);
// this file only makes the same requests with fetch and keeps the focus in place.
(function () {
  "use strict";

  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const queueEl = document.querySelector("section.queue");
  const queueName = queueEl ? queueEl.dataset.queue : null;
  const notice = document.getElementById("notice");
  const help = document.getElementById("help");
  let current = null;        // the card the keyboard acts on
  let lastUndo = null;       // {events: [...], removed: [{card, parent, before}]}

  function cards() {
    return Array.from(document.querySelectorAll("article.card"));
  }

  function chosenCards() {
    return cards().filter(function (c) { return c.querySelector('input[name="ids"]:checked'); });
  }

  // The compact list: a line opens into the full card (and closes again).
  function expand(card, open) {
    const button = card && card.querySelector("button.expand");
    if (!button) return;
    const now = open === undefined ? !card.classList.contains("open") : open;
    card.classList.toggle("open", now);
    button.setAttribute("aria-expanded", String(now));
    button.firstChild.textContent = now ? "less" : "more";
  }

  function select(card, scroll = true) {
    if (current) current.classList.remove("current");
    current = card || null;
    if (!current) return;
    current.classList.add("current");
    current.focus({ preventScroll: !scroll });
    if (scroll) current.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const list = cards();
    if (!list.length) return;
    const index = current ? list.indexOf(current) : -1;
    const next = list[Math.min(list.length - 1, Math.max(0, index + step))];
    select(next);
  }

  // -- server calls ------------------------------------------------------------------

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error(response.status === 401 ? "Your session ended; log in again." :
        "The action failed (" + response.status + "). Reload and try again.");
    }
    return response.json();
  }

  // The server answers with the queues each comment now belongs to (the workflow's rule).
  function belongs(state) {
    return !queueName || (state.queues || []).includes(queueName);
  }

  function updateCounts(counts) {
    if (!counts) return;
    for (const [name, value] of Object.entries(counts)) {
      document.querySelectorAll('[data-count="' + name + '"]').forEach(function (el) {
        el.textContent = String(value);
        const tab = el.closest(".tab");
        if (tab && tab.hasAttribute("data-attention")) {
          tab.classList.toggle("attention", value > 0);
        }
      });
    }
  }

  // The banner of urgent comments waiting for a reply: shown, counted and worded from a number.
  function updateUrgent(waiting) {
    const urgentBanner = document.getElementById("urgent-banner");
    if (!urgentBanner || typeof waiting !== "number") return;
    urgentBanner.querySelector("[data-urgent-count]").textContent = String(waiting);
    urgentBanner.querySelectorAll("[data-plural]").forEach(function (el) {
      const [one, many] = el.dataset.plural.split(" ");
      el.textContent = waiting === 1 ? one : many;
    });
    urgentBanner.hidden = waiting === 0;
  }

  function showNotice(message, undoEvents) {
    if (!notice) return;
    notice.hidden = false;
    notice.querySelector(".notice-text").textContent = message;
    const undo = notice.querySelector(".undo-form");
    if (undo) undo.hidden = !(undoEvents && undoEvents.length);
  }

  // Apply an action's answer to the page: drop cards that left this queue, keep focus.
  function applyResult(result, touchedCards) {
    updateCounts(result.counts);
    updateUrgent(result.urgent_waiting);
    if (!queueName) { window.location.reload(); return; }
    const list = cards();
    let focusIndex = current ? list.indexOf(current) : 0;
    const removed = [];
    for (const card of touchedCards) {
      const state = result.comments[card.dataset.id];
      if (state && belongs(state)) {
        card.dataset.status = state.status;
        card.dataset.replyState = state.reply_state;
        continue;
      }
      const index = list.indexOf(card);
      if (index !== -1 && index < focusIndex) focusIndex -= 1;
      removed.push({ card: card, parent: card.parentNode, before: card.nextSibling });
      const box = card.querySelector('input[name="ids"]');
      if (box) box.checked = false;
      card.remove();
    }
    lastUndo = result.undo && result.undo.length ? { events: result.undo, removed: removed } : null;
    showNotice(result.message, result.undo);
    const rest = cards();
    document.querySelector(".empty")?.toggleAttribute("hidden", rest.length > 0);
    if (rest.length) select(rest[Math.min(focusIndex, rest.length - 1)]);
    else current = null;
  }

  async function run(url, body, touchedCards) {
    // One request per card at a time: a second key press waits for the first answer.
    if (touchedCards.some(function (c) { return c.dataset.busy; })) return;
    touchedCards.forEach(function (c) { c.dataset.busy = "1"; c.classList.add("leaving"); });
    try {
      const result = await post(url, body);
      touchedCards.forEach(function (c) { delete c.dataset.busy; c.classList.remove("leaving"); });
      applyResult(result, touchedCards);
    } catch (error) {
      touchedCards.forEach(function (c) { delete c.dataset.busy; c.classList.remove("leaving"); });
      showNotice(error.message, []);
    }
  }

  async function undo() {
    if (!lastUndo) return;
    const pending = lastUndo;
    lastUndo = null;
    const body = new FormData();
    pending.events.forEach(function (id) { body.append("events", id); });
    try {
      const result = await post(notice.querySelector(".undo-form").getAttribute("action"), body);
      updateCounts(result.counts);
      updateUrgent(result.urgent_waiting);
      if (!queueName || !pending.removed.length) { window.location.reload(); return; }
      for (const item of pending.removed.reverse()) {
        item.parent.insertBefore(item.card, item.before && item.before.parentNode ? item.before : null);
      }
      document.querySelector(".empty")?.toggleAttribute("hidden", cards().length > 0);
      showNotice(result.message, []);
      if (pending.removed.length) select(pending.removed[pending.removed.length - 1].card);
    } catch (error) {
      showNotice(error.message, []);
    }
  }

  // -- forms -------------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.method === "dialog" || form.getAttribute("method") === "get" || form.classList.contains("logout")) return;
    if (!form.closest("main")) return;
    const button = event.submitter;
    const confirmText = (button && button.dataset.confirm) || form.dataset.confirm;
    if (confirmText && !window.confirm(confirmText)) { event.preventDefault(); return; }
    if (form.closest(".login") || form.closest("[data-plain-forms]") || form.hasAttribute("data-plain")) return;
    // Check again shows its diff on a page of its own: let the browser post there.
    if (button && button.hasAttribute("data-plain")) {
      if (form.id === "bulk" && !chosenCards().length && current) {
        const box = current.querySelector('input[name="ids"]');
        if (box) box.checked = true;
      }
      return;
    }
    event.preventDefault();
    const body = new FormData(form, button || undefined);
    if (form.classList.contains("undo-form")) { if (lastUndo) undo(); else form.submit(); return; }
    if (form.id === "bulk") {
      const chosen = chosenCards();
      if (!chosen.length) { showNotice("Select comments first (x, or the boxes).", []); return; }
      run(form.getAttribute("action"), body, chosen);
      return;
    }
    if (form.classList.contains("empty-spam")) {
      // Only what is on screen now: cards moved away meanwhile are not sent.
      const shown = cards();
      const fresh = new FormData();
      fresh.append("csrf_token", csrf);
      shown.forEach(function (c) { fresh.append("ids", c.dataset.id); });
      run(form.getAttribute("action"), fresh, shown);
      return;
    }
    const card = form.closest("article.card");
    if (card) { select(card, false); run(form.getAttribute("action"), body, [card]); }
  });

  document.addEventListener("change", function (event) {
    const auto = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (auto) { auto.requestSubmit(); return; }
    if (event.target.matches("[data-select-all]")) {
      const on = event.target.checked;
      cards().forEach(function (c) {
        const box = c.querySelector('input[name="ids"]');
        if (box) box.checked = on;
      });
    }
  });

  document.addEventListener("click", function (event) {
    const card = event.target.closest("article.card");
    if (card && card !== current) select(card, false);
    if (event.target.closest("[data-show-help]") && help) help.showModal();
    const opener = event.target.closest("button.expand");
    if (opener) expand(opener.closest("article.card"));
  });

  // Author history: fetched when first opened (the server renders and escapes it).
  document.addEventListener("toggle", async function (event) {
    const details = event.target;
    if (!details.matches || !details.matches("details.history") || !details.open || details.dataset.loaded) return;
    details.dataset.loaded = "1";
    try {
      const response = await fetch(details.dataset.src, { credentials: "same-origin" });
      if (response.ok) details.querySelector(".history-body").innerHTML = await response.text();
    } catch (error) { /* the link to the full page stays */ }
  }, true);

  // -- keyboard ----------------------------------------------------------------------

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function press(card, action) {
    const form = card && card.querySelector('form.act[data-action="' + action + '"]');
    if (form) form.requestSubmit();
  }

  function bulk(action) {
    const button = document.querySelector('#bulk button[value="' + action + '"]');
    if (button) button.click();
  }

  function openForm(card, kind) {
    const details = card && card.querySelector("details." + kind);
    if (!details) return;
    expand(card, true);
    details.open = true;
    details.querySelector("textarea").focus();
  }

  function toggle(card, kind) {
    const details = card && card.querySelector("details." + kind);
    if (!details) return;
    if (!details.open) expand(card, true);
    details.open = !details.open;
  }

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (target.matches && target.matches(".reply-form textarea, .edit-form textarea, .edit-form input")) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        target.form.requestSubmit();
      } else if (event.key === "Escape") {
        const card = target.closest("article.card");
        target.closest("details").open = false;
        select(card);
      }
      return;
    }
    const key = event.key;
    if (typing(target) || (help && help.open)) return;
    if ((event.ctrlKey || event.metaKey) && key === "z" && lastUndo) { event.preventDefault(); undo(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (key === "U") { event.preventDefault(); undo(); return; }
    if (key === "Enter" && current && target === current) { event.preventDefault(); expand(current); return; }
    if (!current && cards().length && "jkasdzerhxuinoc".includes(key.toLowerCase())) {
      select(cards()[0]);
      if (key === "j" || key === "k") { event.preventDefault(); return; }
    }
    const handled = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: function () { press(current, "approve"); press(current, "not_spam"); },
      u: function () { press(current, "unapprove"); },
      s: function () { press(current, "spam"); },
      d: function () { press(current, "trash"); },
      z: function () { press(current, "restore"); },
      n: function () { press(current, "dismiss"); },
      e: function () { openForm(current, "edit"); },
      r: function () { openForm(current, "reply"); },
      o: function () { expand(current); },
      i: function () { toggle(current, "explain"); },
      h: function () { toggle(current, "history"); },
      c: function () { document.getElementById("check-again")?.click(); },
      x: function () {
        const box = current && current.querySelector('input[name="ids"]');
        if (box) box.checked = !box.checked;
      },
      A: function () { bulk("approve"); bulk("not_spam"); },
      S: function () { bulk("spam"); },
      D: function () { bulk("trash"); },
      "?": function () { if (help) help.showModal(); },
      "/": function () { document.getElementById("search")?.focus(); },
    }[key];
    if (handled) {
      event.preventDefault();
      handled();
      return;
    }
    if (/^[1-6]$/.test(key)) {
      const tab = document.querySelector('.tab[data-key="' + key + '"]');
      if (tab) { event.preventDefault(); window.location.assign(tab.href); }
    }
  });

  // -- live counts -------------------------------------------------------------------

  const pollUrl = queueEl && queueEl.dataset.poll;
  if (pollUrl) {
    const banner = document.getElementById("new-comments");
    setInterval(async function () {
      if (document.hidden) return;
      try {
        const response = await fetch(pollUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
        // The poll does not keep a session alive: say so when it has ended.
        if (response.status === 401) { showNotice("Your session ended; log in again.", []); return; }
        if (!response.ok) return;
        const data = await response.json();
        updateCounts(data.counts);
        updateUrgent(data.urgent_waiting);
        if (banner && data.new > 0) {
          banner.querySelector("[data-new-count]").textContent = String(data.new);
          banner.hidden = false;
        }
      } catch (error) { /* offline for a moment: try again next time */ }
    }, Number(queueEl.dataset.pollMs || 15000));
  }

  // A notice rendered by the server (after a plain form post) can be undone with u too.
  const serverUndo = notice && notice.querySelector(".undo-form:not([hidden])");
  if (serverUndo) {
    const events = Array.from(serverUndo.querySelectorAll('input[name="events"]')).map(function (i) { return i.value; });
    if (events.length) lastUndo = { events: events, removed: [] };
  }

  if (cards().length && !document.querySelector("input:focus, textarea:focus")) select(cards()[0], false);
})();
