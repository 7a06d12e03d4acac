"""Demo data that ships with the project (a fresh clone has no ../shared)."""

from importlib.resources import files

from sqlalchemy import select

from consult.accounts.members import import_members
from consult.accounts.models import User
from consult.accounts.services import hash_password
from consult.demo.meetings import load_demo_meetings
from consult.extensions import db
from consult.meetings.models import Body, Frequency
from consult.meetings.signals import body_created

DEMO_PASSWORD = "demo"  # accepted only when CONSULT_DEMO is on
DEMO_BODIES = [
    ("Taskforce Samen Organiseren", "TF", Frequency.MONTHLY),
    ("CIO-Beraad – VNG", "CIO-VNG", Frequency.QUARTERLY),
]


def demo_members_csv() -> str:
    return files("consult.demo").joinpath("members.csv").read_text(encoding="utf-8")


def load_demo_data() -> dict[str, int]:
    """Load the demo set; running it again changes nothing."""
    report = import_members(demo_members_csv(), apply=True)
    password_hash = None
    for user in db.session.scalars(select(User).where(User.password_hash.is_(None))):
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user.password_hash = password_hash
    created_bodies = 0
    for name, short_name, frequency in DEMO_BODIES:
        if db.session.scalar(select(Body).where(Body.name == name)) is None:
            body = Body(name=name, short_name=short_name, frequency=frequency)
            db.session.add(body)
            db.session.flush()
            body_created.send(body)  # the default reminder rules
            created_bodies += 1
    db.session.flush()
    meetings_created = load_demo_meetings()
    db.session.commit()
    return {
        "members_created": report.count("aangemaakt"),
        "members_updated": report.count("bijgewerkt"),
        "bodies_created": created_bodies,
        "meetings_created": meetings_created,
    }


def demo_logins() -> list[User]:
    """One account per role, to print when the demo starts."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    picked: dict[str, User] = {}
    for user in users:
        key = "chair" if user.chairs_region_id else user.role.value
        picked.setdefault(key, user)
    return [picked[key] for key in ("admin", "delegate", "chair", "member") if key in picked]
