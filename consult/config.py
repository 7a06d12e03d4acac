"""Configuration defaults.

Every key can be overridden by an `instance/config.py` file and then by a
`CONSULT_`-prefixed environment variable (e.g. `CONSULT_SQLALCHEMY_DATABASE_URI`),
whose value is parsed as JSON when it can be (so `CONSULT_DEMO=1` gives `1`).
"""

from datetime import timedelta

# Sessions and signed links depend on it. None: a random key kept in instance/secret_key.
SECRET_KEY = None

# None: filled in by create_app with a SQLite file in the instance folder.
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# Demo mode: accepts the demo password "demo" and shows the demo logins.
DEMO = False

# Where absolute links in emails point to.
BASE_URL = "http://127.0.0.1:5000"
TIMEZONE = "Europe/Amsterdam"

# Sessions: HttpOnly and SameSite=Lax; Secure unless debug (None = decided in create_app).
SESSION_COOKIE_NAME = "consult_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = None
PERMANENT_SESSION_LIFETIME = timedelta(days=14)
# Beside that absolute lifetime: a session unused this long ends (a shared PC left on).
SESSION_IDLE_MINUTES = 8 * 60
# Setting or removing a password without one set needs a login this recent.
REAUTH_MINUTES = 10

# CSRF tokens live as long as a working day, so a long comment is not lost to expiry.
WTF_CSRF_TIME_LIMIT = 8 * 3600
WTF_CSRF_HEADERS = ["X-CSRFToken"]

# Login links and throttling.
LOGIN_LINK_MINUTES = 15
# How long a form that could not be sent (session or form expired) is kept for its
# author to send after logging in (consult/accounts/kept_forms.py).
KEPT_FORM_HOURS = 24
LOGIN_LINK_LIMIT_PER_ADDRESS = 5  # per hour
LOGIN_LINK_LIMIT_PER_IP = 30  # per hour
# Wrong passwords per 15 minutes: per address from one IP address (a stranger locks his
# own IP out, not the owner), per address from all IPs together (a spread-out attack;
# the owner then still logs in by link), and per IP address.
LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_IP = 5
LOGIN_FAILURE_LIMIT_PER_ADDRESS = 50
LOGIN_FAILURE_LIMIT_PER_IP = 30
PASSWORD_MIN_LENGTH = 10

# Login with the organisation account (OpenID Connect). Providers are made by an admin in
# /beheer/organisatie-accounts, or one is given here: CONSULT_OIDC_DISCOVERY_URL (the
# issuer) and CONSULT_OIDC_CLIENT_ID switch it on. ALLOWED_ISSUERS and MUNICIPALITIES:
# a JSON list or comma-separated; see the README.
OIDC_NAME = "uw organisatie"
OIDC_DISCOVERY_URL = None
OIDC_CLIENT_ID = None
OIDC_CLIENT_SECRET = None
OIDC_ALLOWED_ISSUERS = None  # issuer URLs or Entra tenant ids; None: the discovery issuer
OIDC_MUNICIPALITIES = None  # None: members of any municipality
OIDC_SELF_REGISTRATION = False
OIDC_SELF_REGISTRATION_ORGANISATION = None  # "VIAG", "IMG" or "CIO-Beraad"
# A login not finished within this many minutes is refused; provider calls time out after
# OIDC_HTTP_TIMEOUT seconds.
OIDC_STATE_MINUTES = 10
OIDC_HTTP_TIMEOUT = 10

# Mail: without MAIL_SERVER, messages are written as .eml files to MAIL_FILE_DIR.
MAIL_FROM = "Consult <noreply@consult.example.org>"
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_FILE_DIR = None  # None: instance/mail

# The scheduler process ticks this often (reminders, exports and outbox delivery).
SCHEDULER_INTERVAL_SECONDS = 60
# /healthz answers 503 (and the status page warns) when no tick was seen for this many
# intervals. The last SCHEDULER_TICK_HISTORY ticks are kept (a day at the default).
SCHEDULER_LATE_INTERVALS = 3
SCHEDULER_TICK_HISTORY = 1440

MAX_CONTENT_LENGTH = 25 * 1024 * 1024
WTF_I18N_ENABLED = False  # WTForms then uses its own Dutch messages (Meta.locales)

# Number of reverse proxies in front of the app that set X-Forwarded-For (0: none).
PROXY_FIX_X_FOR = 0

# Attachments (bijlagen) of agenda items: the largest file accepted. Files are kept in the
# database (consult.storage); ATTACHMENT_DIR and EXPORT_DIR (None: instance/attachments,
# instance/exports) are only read by `flask files import-folders`, which moves the files
# of older versions into it.
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_DIR = None

# Where attachments and exports live: "database" (table stored_file: every web machine
# reaches it, and a backup holds the files) or "s3", an S3-compatible object store (needs
# boto3: pip install consult[s3]) at S3_ENDPOINT_URL (None: AWS), objects under S3_PREFIX.
STORAGE = "database"
S3_ENDPOINT_URL = None
S3_BUCKET = None
S3_PREFIX = "consult/"
S3_REGION = None
S3_ACCESS_KEY_ID = None
S3_SECRET_ACCESS_KEY = None

# SMTP delivery (used when MAIL_SERVER is set). MAIL_USE_TLS: STARTTLS on a plain
# connection; MAIL_USE_SSL: TLS from the start (port 465).
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_TIMEOUT = 30  # seconds: connecting and each SMTP command
# The answer to the final "." of a message may take this long (RFC 5321 §4.5.3.2: 10
# minutes). Without an answer the outcome is unknown: the message is held (status
# "held", shown to the admin), not retried blindly.
MAIL_DATA_TIMEOUT = 600  # seconds
# The domain of every Message-ID (<consult.{id}.{hash}@domain>); None: that of MAIL_FROM.
MAIL_MESSAGE_ID_DOMAIN = None
# Temporary failures are retried after 1, 2, 4, 8 ... minutes, at most this many attempts.
MAIL_MAX_ATTEMPTS = 8
MAIL_RETRY_BASE_SECONDS = 60
# A message left in "sending" this long (a crashed process) goes back to pending.
MAIL_STUCK_MINUTES = 10
# A delivering process renews its claims this often (None: a quarter of the above).
MAIL_CLAIM_RENEW_SECONDS = None
# Messages one delivery process claims at a time: one database round trip per batch
# instead of per message; a crash leaves at most this many to wait for MAIL_STUCK_MINUTES.
MAIL_CLAIM_BATCH = 50
# On SQLite one process delivers at a time (consult/mail/turns.py); another waits this
# long for its turn, then leaves what is due to the one delivering.
MAIL_DELIVERY_TURN_SECONDS = 30

# Reminders: one that fell due while the scheduler was down still goes out, unless it
# is later than this; then it is marked skipped (visible in the overview).
REMINDER_MAX_LATENESS_HOURS = 24
# A reminder left half-written by a crashed process ("sending" this long: its claim is
# renewed per chunk) is taken up again; the messages it already queued are not queued
# twice. After REMINDER_MAX_ATTEMPTS claims it is marked failed (in the overview).
REMINDER_STUCK_MINUTES = 10
REMINDER_MAX_ATTEMPTS = 3
# Recipients whose messages are written in one transaction of a fan-out.
REMINDER_FANOUT_CHUNK = 500
# Members who chose the daily digest get it at this local hour (TIMEZONE).
REMINDER_DIGEST_HOUR = 7

# Exports of a meeting's inbreng: files are kept for a day.
# Exports are jobs run by the scheduler's tick. One not started after
# EXPORT_TIMEOUT_MINUTES is shown as not done (the scheduler is not running). A running
# job renews its claim every quarter of EXPORT_STUCK_MINUTES; a claim that old (its process
# died) is taken up again, at most EXPORT_MAX_ATTEMPTS times, then the job fails visibly.
EXPORT_DIR = None  # only read by `flask files import-folders` (above)
EXPORT_TIMEOUT_MINUTES = 10
EXPORT_STUCK_MINUTES = 5
EXPORT_MAX_ATTEMPTS = 3

# Replies by mail. CONSULT_REPLY_DOMAIN: the domain of the personal Reply-To addresses
# (e.g. antwoord.consult.example.org; unset: mails carry no Reply-To). The mail server
# hands that domain to `flask mail receive` (LMTP, or SMTP with --smtp) on this address,
# or the scheduler polls a mailbox over IMAP (TLS unless IMAP_SSL is false) when IMAP_HOST
# is set.
REPLY_DOMAIN = None
MAIL_RECEIVE_HOST = "127.0.0.1"
MAIL_RECEIVE_PORT = 8024
MAIL_RECEIVE_MAX_BYTES = 30 * 1024 * 1024
# Only Authentication-Results written by this server (its authserv-id) are trusted;
# None: the topmost header.
MAIL_AUTHSERV_ID = None
# Replies per reply token per hour; more are held for the delegate.
REPLY_LIMIT_PER_HOUR = 20
IMAP_HOST = None
IMAP_PORT = 993
IMAP_SSL = True
IMAP_USER = None
IMAP_PASSWORD = None
IMAP_FOLDER = "INBOX"

# Privacy (AVG): a deactivated member is anonymised by the scheduler this many days after
# deactivation (name and address replaced; input kept or removed per body). None: never.
RETENTION_DAYS_AFTER_DEACTIVATION = 730
# Where members send questions about their data and about accessibility (privacy and
# toegankelijkheid pages); None: the pages name the administrators of Consult instead.
CONTACT_EMAIL = None
# The read API (/api/v1): personal tokens, their longest life and the rate limit per token.
API_VERSION = "1.0.0"  # the full version, in the API-Version header and the OpenAPI document
API_TOKEN_MAX_DAYS = 365
API_RATE_LIMIT = 120  # requests per token per API_RATE_WINDOW_SECONDS
API_RATE_WINDOW_SECONDS = 60
API_CONTACT_NAME = "Beheer Consult"
API_CONTACT_EMAIL = "beheer@consult.example.org"
