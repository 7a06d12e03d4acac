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
  document.addEventListener("htmx:beforeRequest", function () {
    var region = document.getElementById("status");
    if (region) { region.innerHTML = ""; }
  });
})();
