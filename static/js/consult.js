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

  // Never cut a text short: a textarea with data-maxlength (not maxlength, with which the
  // browser silently drops what is pasted past the limit) gets a counter, and a clear
  // message when the text is too long. The server refuses it too, with the text kept.
  function dutchNumber(number) { return number.toLocaleString("nl-NL"); }

  function countCharacters(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll("textarea[data-maxlength]").forEach(function (area) {
      if (area.hasAttribute("data-counted")) { return; }
      area.setAttribute("data-counted", "");
      var max = parseInt(area.getAttribute("data-maxlength"), 10);
      var counter = document.createElement("p");
      counter.id = area.id + "-counter";
      area.parentNode.insertBefore(counter, area.nextSibling);
      var described = area.getAttribute("aria-describedby");
      area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
      function update() {
        var length = area.value.trim().length;
        var over = length > max;
        counter.className = over ? "field__counter field__error" : "field__counter";
        // Only the message is announced, not every key press.
        counter.setAttribute("aria-live", over ? "polite" : "off");
        counter.textContent = over
          ? "Uw tekst is " + dutchNumber(length) + " tekens; het maximum is " + dutchNumber(max) +
            ". Maak hem " + dutchNumber(length - max) + " tekens korter. Er is niets weggelaten."
          : dutchNumber(length) + " van " + dutchNumber(max) + " tekens";
        if (over) { area.setAttribute("aria-invalid", "true"); } else { area.removeAttribute("aria-invalid"); }
      }
      area.addEventListener("input", update);
      update();
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

  document.addEventListener("DOMContentLoaded", function () {
    clearDrafts();
    keepDrafts(document);
    countCharacters(document);
  });
  document.addEventListener("htmx:load", function (event) {
    keepDrafts(event.detail.elt);
    countCharacters(event.detail.elt);
  });

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
