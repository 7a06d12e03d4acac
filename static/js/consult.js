// Consult: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  var ERROR_MESSAGES = {
    400: "Uw verzoek kon niet worden verwerkt. Herlaad de pagina; uw tekst blijft bewaard.",
    403: "U heeft geen toegang tot deze actie.",
    404: "Dit onderdeel bestaat niet meer. Herlaad de pagina.",
    409: "Iemand anders heeft dit intussen gewijzigd. Herlaad de pagina.",
    413: "Het bestand is te groot.",
    422: "Niet alles is goed ingevuld.",
    429: "U heeft dit te vaak geprobeerd. Wacht even en probeer het opnieuw.",
  };

  function showStatus(message) {
    var region = document.getElementById("status");
    if (!region) { return; }
    region.innerHTML = "";
    var p = document.createElement("p");
    p.className = "alert alert--error";
    p.textContent = message;
    region.appendChild(p);
  }

  // htmx does not swap error answers: tell the user instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    showStatus(ERROR_MESSAGES[status] ||
      "Er ging iets mis (" + status + "). Er is niets verloren: probeer het opnieuw.");
  });
  document.addEventListener("htmx:sendError", function () {
    showStatus("Geen verbinding met de server. Controleer uw internetverbinding en probeer het opnieuw.");
  });
  // Never lose a word: a textarea with data-draft keeps its text in this browser until
  // the server confirms it was saved (an element with data-draft-saved="<same key>").
  var PREFIX = "consult-draft:";

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function keepDrafts(root) {
    var store = storage();
    if (!store || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-draft-saved]").forEach(function (marker) {
      store.removeItem(PREFIX + marker.getAttribute("data-draft-saved"));
    });
    root.querySelectorAll("textarea[data-draft]").forEach(function (area) {
      var key = PREFIX + area.getAttribute("data-draft");
      var saved = store.getItem(key);
      if (saved && !area.value) {
        area.value = saved;
        var details = area.closest("details");
        if (details) { details.open = true; }
        var note = document.createElement("p");
        note.className = "field__hint draft-restored";
        note.setAttribute("role", "status");
        note.textContent = "Uw nog niet verstuurde tekst is teruggezet.";
        area.parentNode.insertBefore(note, area);
      }
      if (!area.hasAttribute("data-draft-watched")) {
        area.setAttribute("data-draft-watched", "");
        area.addEventListener("input", function () {
          if (area.value) { store.setItem(key, area.value); } else { store.removeItem(key); }
        });
      }
    });
  }

  // After logout (the login page carries data-drafts-clear): no unsent text stays behind
  // on a shared PC, also where the browser ignored Clear-Site-Data.
  function clearDrafts() {
    var store = storage();
    if (!store || !document.querySelector("[data-drafts-clear]")) { return; }
    for (var index = store.length - 1; index >= 0; index -= 1) {
      var key = store.key(index);
      if (key && key.indexOf(PREFIX) === 0) { store.removeItem(key); }
    }
  }

  document.addEventListener("DOMContentLoaded", function () { clearDrafts(); keepDrafts(document); });
  document.addEventListener("htmx:load", function (event) { keepDrafts(event.detail.elt); });

  // Live countdowns: <time data-countdown datetime="..."> is re-rendered every minute.
  function countdownText(target) {
    var seconds = Math.floor((target - Date.now()) / 1000);
    if (seconds <= 0) { return null; }
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) { return "nog " + days + (days === 1 ? " dag" : " dagen") + (hours ? " en " + hours + " uur" : ""); }
    if (hours) { return "nog " + hours + " uur" + (minutes ? " en " + minutes + " min." : ""); }
    return "nog " + Math.max(minutes, 1) + (minutes <= 1 ? " minuut" : " minuten");
  }
  setInterval(function () {
    document.querySelectorAll("time[data-countdown]").forEach(function (element) {
      var text = countdownText(Date.parse(element.getAttribute("datetime")));
      var rest = element.textContent.indexOf(", tot ");
      if (text && rest > -1) { element.textContent = text + element.textContent.slice(rest); }
    });
  }, 60000);

  document.addEventListener("htmx:beforeRequest", function () {
    var region = document.getElementById("status");
    if (region) { region.innerHTML = ""; }
  });

  // After an htmx swap, the server marks where the focus belongs (the moved item's button,
  // the item a review operation changed), so keyboard and screen-reader users stay put.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("[data-focus-after-swap]");
    if (target) {
      target.removeAttribute("data-focus-after-swap");
      target.focus();
    }
  });
})();
