"""Managing members: find, invite, edit, deactivate, and the CSV import."""

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from consult.accounts.models import Organisation, Region, Role, User
from consult.accounts.services import end_all_sessions
from consult.database import contains_pattern, id_number, utcnow
from consult.extensions import db
from consult.mail.services import queue_message
from consult.pages import external_url

CSV_COLUMNS = ("name", "email", "organisation", "region", "municipality", "role")
CSV_ROLES = {"member": Role.MEMBER, "chair": Role.MEMBER, "delegate": Role.DELEGATE,
             "admin": Role.ADMIN}
FIELD_LABELS = {
    "name": "naam", "organisation": "organisatie", "region": "regio",
    "municipality": "gemeente", "role": "rol", "chairs_region": "regiovoorzitter",
}


class MemberFileError(ValueError):
    """The file as a whole cannot be read (wrong columns, not CSV)."""


class MemberRuleError(ValueError):
    """A change to a member that is refused; the message is for the user (Dutch), `field`
    the form field it is about."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


EMAIL_TAKEN = "Er is al een lid met dit e-mailadres."
OWN_ADMIN_ROLE = "U kunt uw eigen beheerdersrol niet weghalen."


# --- finding members -------------------------------------------------------------


@dataclass
class MemberFilters:
    """The filters of the member list, as the page's form sends them."""

    q: str = ""
    organisation: str = ""
    role: str = ""  # a Role value, or "chair": the regional chairs
    region: int = 0
    status: str = "active"  # "active", "inactive" or "all"

    @classmethod
    def from_args(cls, args: Mapping) -> "MemberFilters":
        organisation = args.get("organisation", "")
        role = args.get("role", "")
        region = args.get("region", "")
        return cls(
            q=args.get("q", "").strip()[:100],
            organisation=organisation if organisation in {o.value for o in Organisation} else "",
            role=role if role in {r.value for r in Role} | {"chair"} else "",
            region=id_number(region),
            status=args.get("status", "active"),
        )


def member_query(filters: MemberFilters):
    """The members that match `filters`, by name."""
    query = select(User).options(selectinload(User.region), selectinload(User.chairs_region))
    if filters.q:
        pattern = contains_pattern(filters.q)
        query = query.where(or_(func.lower(User.name).like(pattern, escape="\\"),
                                User.email.like(pattern, escape="\\"),
                                func.lower(User.municipality).like(pattern, escape="\\")))
    if filters.organisation:
        query = query.where(User.organisation == Organisation(filters.organisation))
    if filters.role == "chair":
        query = query.where(User.chairs_region_id.is_not(None))
    elif filters.role:
        query = query.where(User.role == Role(filters.role))
    if filters.region:
        query = query.where(User.region_id == filters.region)
    if filters.status in ("active", "inactive"):
        query = query.where(User.active.is_(filters.status == "active"))
    return query.order_by(User.name)


def all_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    outcome: str  # "aangemaakt", "bijgewerkt", "ongewijzigd" or "geweigerd"
    details: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[ImportRow]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)


def normalise_email(value: str) -> str:
    return validate_email(value.strip(), check_deliverability=False).normalized.lower()


def parse_organisation(value: str) -> Organisation | None:
    for organisation in Organisation:
        if organisation.value.lower() == value.strip().lower():
            return organisation
    return None


def get_or_create_region(name: str) -> Region | None:
    name = name.strip()
    if not name:
        return None
    region = db.session.scalar(select(Region).where(Region.name == name))
    if region is None:
        region = Region(name=name)
        db.session.add(region)
    return region


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252: what Excel on Windows saves."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_csv(text: str) -> list[dict[str, str]]:
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise MemberFileError(
            "Het bestand mist de kolom(men) " + ", ".join(missing)
            + ". Verwacht: " + ",".join(CSV_COLUMNS) + "."
        )
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def import_members(
    text: str, *, apply: bool, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Create or update members from CSV text (the members.csv format).

    With apply=False nothing is written: the report is the preview. Importing the same
    file twice reports every row "ongewijzigd" the second time.
    """
    rows = read_csv(text)
    existing = {user.email: user for user in db.session.scalars(select(User))}
    regions = {region.name: region for region in db.session.scalars(select(Region))}
    seen: set[str] = set()
    report = ImportReport(rows=[])
    for number, row in enumerate(rows, start=2):
        result = _import_row(number, row, existing, regions, seen, apply)
        report.rows.append(result)
        if progress:
            progress(1)
    if apply:
        db.session.flush()
    return report


def _import_row(number, row, existing, regions, seen, apply) -> ImportRow:
    raw_email = row.get("email", "")
    result = ImportRow(line=number, email=raw_email, name=row.get("name", ""),
                       outcome="geweigerd")
    try:
        email = normalise_email(raw_email)
    except EmailNotValidError:
        result.details.append(f"ongeldig e-mailadres '{raw_email}'")
        return result
    result.email = email
    if email in seen:
        result.details.append("dit adres staat al eerder in het bestand")
        return result
    seen.add(email)
    wanted = _wanted_fields(row, result.details)
    if wanted is None:
        return result

    user = existing.get(email)
    current = _member_fields(user) if user else None
    changed = [key for key in wanted if current is None or current[key] != wanted[key]]
    if user is None:
        result.outcome = "aangemaakt"
    elif changed:
        result.outcome = "bijgewerkt"
        result.details.append("gewijzigd: " + ", ".join(FIELD_LABELS[key] for key in changed))
    else:
        result.outcome = "ongewijzigd"
    if user is not None and not user.active:
        result.details.append("lid is gedeactiveerd en blijft dat")
    if apply and changed:
        if user is None:
            user = User(email=email)
            db.session.add(user)
            existing[email] = user
        _apply_fields(user, wanted, regions)
    return result


def _wanted_fields(row: dict[str, str], problems: list[str]) -> dict | None:
    """The member's fields as the row gives them; None (and `problems` told why) when
    the row cannot be imported."""
    name = row.get("name", "")
    organisation = parse_organisation(row.get("organisation", ""))
    role_code = row.get("role", "").lower() or "member"
    region_name = row.get("region", "")
    if not name:
        problems.append("naam ontbreekt")
    if organisation is None:
        problems.append(
            f"onbekende organisatie '{row.get('organisation', '')}' "
            "(VIAG, IMG of CIO-Beraad)"
        )
    if role_code not in CSV_ROLES:
        problems.append(f"onbekende rol '{role_code}' (member, chair, delegate of admin)")
    elif role_code == "chair" and not region_name:
        problems.append("een regiovoorzitter heeft een regio nodig")
    if problems:
        return None
    return {
        "name": name,
        "organisation": organisation,
        "region": region_name or None,
        "municipality": row.get("municipality", ""),
        "role": CSV_ROLES[role_code],
        "chairs_region": region_name if role_code == "chair" else None,
    }


def _member_fields(user: User) -> dict:
    return {
        "name": user.name,
        "organisation": user.organisation,
        "region": user.region.name if user.region else None,
        "municipality": user.municipality,
        "role": user.role,
        "chairs_region": user.chairs_region.name if user.chairs_region else None,
    }


def _region(name: str | None, regions: dict[str, Region]) -> Region | None:
    if not name:
        return None
    if name not in regions:
        regions[name] = get_or_create_region(name)
    return regions[name]


def _apply_fields(user: User, wanted: dict, regions: dict[str, Region]) -> None:
    user.name = wanted["name"]
    user.organisation = wanted["organisation"]
    user.municipality = wanted["municipality"]
    user.role = wanted["role"]
    user.region = _region(wanted["region"], regions)
    user.chairs_region = _region(wanted["chairs_region"], regions)


def invite_member(*, invited_by: User, **fields) -> User:
    """A new member, with an invitation in the outbox. Raises MemberRuleError when the
    address is taken (nothing written)."""
    if email_taken(fields["email"]):
        raise MemberRuleError("email", EMAIL_TAKEN)
    user = User(**fields)
    db.session.add(user)
    db.session.flush()
    login_url = external_url("accounts.login", email=user.email)
    queue_message(
        kind="invite",
        recipient=user.email,
        user_id=user.id,
        subject="U bent uitgenodigd voor Consult",
        template="invite",
        context={"user": user, "invited_by": invited_by, "login_url": login_url},
        idempotency_key=f"invite:{user.id}",
    )
    return user


def update_member(member: User, *, by: User, **fields) -> None:
    """Change a member's details. Raises MemberRuleError (nothing written) when the
    address is taken, or when an admin would take away their own admin role."""
    if email_taken(fields["email"], except_user=member):
        raise MemberRuleError("email", EMAIL_TAKEN)
    if member.id == by.id and fields["role"] != Role.ADMIN:
        raise MemberRuleError("role", OWN_ADMIN_ROLE)
    for key, value in fields.items():
        setattr(member, key, value)


def deactivate_member(user: User) -> None:
    user.active = False
    user.deactivated_at = utcnow()
    end_all_sessions(user)


def reactivate_member(user: User) -> None:
    user.active = True
    user.deactivated_at = None


def email_taken(email: str, except_user: User | None = None) -> bool:
    query = select(User.id).where(User.email == email.strip().lower())
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) is not None
