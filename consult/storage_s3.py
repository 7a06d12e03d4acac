"""The optional object store for `consult.storage` (STORAGE = "s3"): any S3-compatible
server (AWS S3, MinIO, Ceph, …) at S3_ENDPOINT_URL, objects under S3_PREFIX in S3_BUCKET.

An object store has no transactions, so the rows decide: a new object is put at once and
deleted again when the transaction is rolled back (or never committed); an object whose
row is deleted or replaced is deleted only after the commit, so a failed commit never
leaves a row pointing at a missing object. The client (boto3, `pip install consult[s3]`)
is imported on first use, so installations that keep files in the database need not have
it.
"""

import logging

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from consult.extensions import db

log = logging.getLogger("consult.storage")
NEW, REMOVED = "storage_s3_new", "storage_s3_removed"


def client():
    """One client per app (boto3 clients are thread-safe)."""
    app = current_app._get_current_object()
    if "consult_s3" not in app.extensions:
        app.extensions["consult_s3"] = make_client(app)
    return app.extensions["consult_s3"]


def make_client(app: Flask):
    import boto3  # heavy and optional: only where files live in S3

    config = app.config
    if not config.get("S3_BUCKET"):
        raise RuntimeError("STORAGE = 's3' needs S3_BUCKET (and S3_ENDPOINT_URL, keys)")
    return boto3.client(
        "s3", endpoint_url=config.get("S3_ENDPOINT_URL"), region_name=config.get("S3_REGION"),
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID"),
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY"))


def bucket() -> str:
    return current_app.config["S3_BUCKET"]


def object_name(key: str) -> str:
    return f"{current_app.config.get('S3_PREFIX') or ''}{key}"


def put(key: str, data: bytes) -> None:
    """Put the object now; it goes again unless the current transaction commits."""
    client().put_object(Bucket=bucket(), Key=object_name(key), Body=data)
    _pending(db.session(), NEW).add(key)


def get(key: str) -> bytes | None:
    try:
        answer = client().get_object(Bucket=bucket(), Key=object_name(key))
    except client().exceptions.NoSuchKey:
        return None
    return answer["Body"].read()


def has(key: str) -> bool:
    try:
        client().head_object(Bucket=bucket(), Key=object_name(key))
    except client().exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def remove_after_commit(key: str) -> None:
    _pending(db.session(), REMOVED).add(key)


def keys() -> list[str]:
    """Every key under the prefix (for a backup)."""
    prefix = current_app.config.get("S3_PREFIX") or ""
    found = []
    for page in client().get_paginator("list_objects_v2").paginate(Bucket=bucket(),
                                                                   Prefix=prefix):
        found += [item["Key"][len(prefix):] for item in page.get("Contents", [])]
    return sorted(found)


def _pending(session: Session, name: str) -> set[str]:
    return session.info.setdefault(name, set())


def _delete(keys_: set[str]) -> None:
    for key in keys_:
        try:
            client().delete_object(Bucket=bucket(), Key=object_name(key))
        except Exception:  # an orphan object, never a lost file: log and go on
            log.exception("could not delete object %s", key)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(NEW, None)  # committed: they stay
    _delete(session.info.pop(REMOVED, set()))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """Rolled back or closed without a commit: the new objects go, the old ones stay."""
    if transaction.parent is not None:
        return
    session.info.pop(REMOVED, None)
    _delete(session.info.pop(NEW, set()))
