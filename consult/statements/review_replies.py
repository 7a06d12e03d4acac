"""Answering the concept ter inzage by reply mail: the draft-review mail carries the
member's Reply-To for that purpose (a token of its own, so "akkoord" is never taken for
input). The reply processing (comments.mail_replies) hands the reply on with
mail.signals.reply_received; here "akkoord" or "bezwaar: <toelichting>" becomes the
answer on every open review of the member in that meeting, or on the items named
("4: akkoord", "3A: bezwaar: te vaag")."""

import re
from datetime import datetime

from sqlalchemy import func, select

from consult.accounts.models import User
from consult.extensions import db
from consult.mail.inbound_models import TokenPurpose
from consult.mail.reply_input import ALL_ITEMS, parse_input
from consult.mail.signals import ReplyHold
from consult.meetings.models import AgendaItem, Meeting
from consult.statements.draft_review import AGREE, OBJECT, record_answer
from consult.statements.models import DraftReview, DraftReviewAnswer
from consult.statements.services import ConsolidationError

NOTHING_OPEN = "Er staat geen concept (meer) ter inzage waarop u kunt antwoorden"
UNCLEAR = "Niet duidelijk of u akkoord geeft of bezwaar maakt"
NOT_REVIEWED = "Punt {label} staat voor u niet ter inzage"

QUOTES = "\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb*_"
# "akkoord", "Akkoord!", "'bezwaar': te vaag", "bezwaar - te vaag", "geen bezwaar".
ANSWER = re.compile(r"^(?P<word>geen\s+bezwaar|geen\s+opmerkingen|akkoord|bezwaar)"
                    r"[\s.!,;:\-\u2013" + re.escape(QUOTES) + r"]*(?P<note>.*)$",
                    re.IGNORECASE | re.DOTALL)
VALUES = {"akkoord": AGREE, "bezwaar": OBJECT}


def read_answer(text: str) -> tuple[str, str] | None:
    """(akkoord|bezwaar, note) from a part of the reply; None when it says neither."""
    cleaned = text.strip().lstrip(QUOTES)
    match = ANSWER.match(cleaned)
    if not match:
        return None
    word = " ".join(match.group("word").lower().split())
    value = VALUES.get(word, AGREE)  # "geen bezwaar", "geen opmerkingen": agreed
    note = match.group("note").strip().strip(QUOTES).strip()
    return value, note


def open_answers(member: User, meeting: Meeting, now: datetime) -> dict[str, DraftReviewAnswer]:
    """Per item label: the member's answer row on the latest review of each item of the
    meeting that may still be answered."""
    latest = (select(func.max(DraftReview.id)).join(AgendaItem)
              .where(AgendaItem.meeting_id == meeting.id).group_by(DraftReview.item_id))
    rows = db.session.execute(
        select(DraftReviewAnswer, AgendaItem)
        .join(DraftReview, DraftReview.id == DraftReviewAnswer.review_id)
        .join(AgendaItem, AgendaItem.id == DraftReview.item_id)
        .where(DraftReview.id.in_(latest), DraftReview.answer_by > now,
               DraftReviewAnswer.user_id == member.id)
        .order_by(AgendaItem.position)).all()
    return {item.label: answer for answer, item in rows}


def answer_by_reply(purpose, *, member: User, meeting: Meeting, text: str, now: datetime,
                    **_signal) -> list[dict] | None:
    """mail.signals.reply_received for TokenPurpose.DRAFT_REVIEW."""
    if purpose != TokenPurpose.DRAFT_REVIEW:
        return None
    answers = open_answers(member, meeting, now)
    if not answers:
        raise ReplyHold(NOTHING_OPEN)
    labels = [item.label for item in meeting.items if item.label]
    parts = parse_input(text, labels) or []
    plan = []
    for part in parts:
        read = read_answer(part.text)
        if read is None:
            raise ReplyHold(UNCLEAR)
        if part.label in (None, ALL_ITEMS):
            plan.extend((label, answer, read) for label, answer in answers.items())
        elif part.label in answers:
            plan.append((part.label, answers[part.label], read))
        else:
            raise ReplyHold(NOT_REVIEWED.format(label=part.label))
    if not plan:
        raise ReplyHold(UNCLEAR)
    stored = []
    try:
        with db.session.begin_nested():  # every answer or none
            for label, answer, (value, note) in plan:
                record_answer(answer, value, note, now)
                stored.append({"item_id": answer.review.item_id, "label": label,
                               "action": f"review_{value}"})
    except ConsolidationError as error:
        raise ReplyHold(str(error)) from error
    return stored
