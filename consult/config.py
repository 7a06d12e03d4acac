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

# CSRF tokens live as long as a working day, so a long comment is not lost to expiry.
WTF_CSRF_TIME_LIMIT = 8 * 3600
WTF_CSRF_HEADERS = ["X-CSRFToken"]

# Login links and throttling.
LOGIN_LINK_MINUTES = 15
LOGIN_LINK_LIMIT_PER_ADDRESS = 5  # per hour
LOGIN_LINK_LIMIT_PER_IP = 30  # per hour
LOGIN_FAILURE_LIMIT_PER_ADDRESS = 5  # per 15 minutes
LOGIN_FAILURE_LIMIT_PER_IP = 30  # per 15 minutes
PASSWORD_MIN_LENGTH = 10

# Mail: without MAIL_SERVER, messages are written as .eml files to MAIL_FILE_DIR.
MAIL_FROM = "Consult <noreply@consult.example.org>"
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_FILE_DIR = None  # None: instance/mail

# The scheduler process ticks this often (reminders and outbox delivery).
SCHEDULER_INTERVAL_SECONDS = 60

MAX_CONTENT_LENGTH = 25 * 1024 * 1024
WTF_I18N_ENABLED = False  # WTForms then uses its own Dutch messages (Meta.locales)

# Number of reverse proxies in front of the app that set X-Forwarded-For (0: none).
PROXY_FIX_X_FOR = 0

# Attachments (bijlagen) of agenda items: the largest file accepted, and where files are
# kept (None: instance/attachments).
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_DIR = None

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
# A reminder left half-written by a crashed process ("sending" this long) is taken up
# again; the messages it already queued are not queued twice.
REMINDER_STUCK_MINUTES = 10
# Members who chose the daily digest get it at this local hour (TIMEZONE).
REMINDER_DIGEST_HOUR = 7

# Exports of a meeting's inbreng: files are kept here (None: instance/exports) for a day.
# A job still queued or running after EXPORT_TIMEOUT_MINUTES is shown as failed.
EXPORT_DIR = None
EXPORT_TIMEOUT_MINUTES = 10

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
