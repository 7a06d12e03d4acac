"""The Dutch phrasings the parser recognises, kept as data in one place.

Secretariats word the same thing in many ways; a new phrasing is a new row here, not a new
branch in the parser.
"""

# Purposes: the phrase mentioned last in an item's text wins.
PURPOSE_PHRASES = [
    ("informatie", r"\bter\s+(?:informatie|info|kennisname|kennisneming|kennisgeving)\b"),
    ("bespreking", r"\bter\s+(?:bespreking|discussie)\b"),
    ("advisering", r"\bter\s+(?:advisering|advies)\b|\bgevraagd\s+om\s+(?:een\s+)?advies\b"
                   r"|\bgevraagd\s+(?:om\s+)?te\s+adviseren\b"),
    ("besluitvorming", r"\bter\s+(?:besluitvorming|besluit|vaststelling)\b"
                       r"|\bgevraagd\s+(?:om\s+)?in\s+te\s+stemmen\b"),
]

# Who presents an item. "{name}" stands for a name ("Ruben de Wit", "J. Jansen"), or two
# joined by "en"; each phrasing names one {name}.
PRESENTER_PHRASES = [
    r"{name}\s+(?:geeft|geven)(?:\s+(?:een|korte|nadere|mondelinge|hierop|daarop|nog))*"
    r"\s+toelichting",
    r"\bgeeft\s+{name}(?:\s+(?:een|korte|nadere|mondelinge))*\s+toelichting",
    r"(?i:toelichting|presentatie)\s+door\s+{name}",
    r"(?i:presentatie|presentator|presentatoren)\s*:\s*{name}",
    r"{name}\s+(?:licht|lichten)\s+(?:dit|dat|het|de|deze|hier)\b[^.]*?\btoe\b",
    r"{name}\s+(?:licht|lichten)\s+toe\b",
    r"{name}\s+(?:blikt|blikken)\s+terug\b",
    r"{name}\s+(?:heeft|hebben)\s+een\s+oproep\b",
    r"{name}\s+(?:presenteert|presenteren)\b",
    r"{name}\s+(?:neemt|nemen)\s+(?i:de\s+)?(?i:taskforce|u|jullie|ons|het\s+overleg)\s+mee\b",
    r"{name}\s+(?:praat|praten)\s+(?i:de\s+)?(?i:taskforce|u|jullie|ons|het\s+overleg)\s+bij\b",
    r"{name}\s+(?:is|zijn)\s+(?:bij\s+dit\s+punt\s+)?aanwezig\b",
    r"(?i:in\s+aanwezigheid\s+van)\s+{name}",
]

# Capitalised words that start a sentence but are nobody's name.
NOT_A_NAME = {
    "De", "Het", "Een", "Dit", "Dat", "Deze", "Die", "Zij", "Hij", "Wij", "Ze", "Men", "Er",
    "Daarna", "Vervolgens", "Ook", "Verder", "Tot", "Slot", "Hier", "Dan", "Nu", "Taskforce",
    "Voorzitter", "Secretariaat", "Gemeenten",
}

# Routine items nobody gives input on; matched against the start of the title.
ROUTINE_TITLE = (
    r"^(?:opening|mededelingen|rondvraag|sluiting|afsluiting|w\.?v\.?t\.?t\.?\b|wat verder ter"
    r" tafel komt|pauze|lunch|vaststell\w*\s+(?:van\s+)?(?:de\s+)?(?:agenda|verslag|notulen"
    r"|besluitenlijst|actielijst)|(?:concept[- ]?)?(?:verslag|notulen|besluitenlijst|actielijst)"
    r"(?:\s+(?:en\s+\w+\s+)?(?:van\s+)?(?:de\s+)?(?:vorige\s+)?(?:vergadering|overleg))?$"
    # "Verslag Taskforce 10-9-2026": the minutes of a meeting, by date.
    r"|(?:concept[- ]?)?(?:verslag|notulen|besluitenlijst)\b.{0,60}\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$)"
)

# A parent header's own text only turns it into a question when it clearly asks something.
ASKING = (r"\?|\bgevraagd\b|\bter\s+(?:bespreking|discussie|advisering|advies|besluitvorming"
          r"|besluit|vaststelling)\b")

# Label blocks of a past report: the body's statement and what the meeting did with it.
# A body may name them differently (Body.statement_label, Body.outcome_label); these are the
# defaults, and a short prefix such as "TF " is allowed before them.
STATEMENT_LABELS = ("Inbreng VIAG/IMG+CIO",)
OUTCOME_LABELS = ("Bespreking TF",)

# Web page chrome copied along with a report; a line made only of these is dropped.
PAGE_CHROME = (
    "Inloggen", "Uitloggen", "Geen profiel? Registreer hier.", "Registreer hier.", "Menu",
    "Zoeken", "Delen", "Deel deze pagina", "Printen", "Print", "Terug naar overzicht",
    "Naar boven", "Ga naar de inhoud", "Cookie-instellingen", "Mijn profiel",
)
