"""publiccode.yml at the top of the repository is valid publiccode.yml 0.4: checked with
jsonschema against tests/publiccode.schema.json, a schema written from the standard's
published description (no publiccode parser is installable from PyPI or npm here, and
the tests have no internet). It agrees with pyproject.toml and LICENSE (EUPL-1.2)."""

import copy
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "tests" / "publiccode.schema.json").read_text(encoding="utf-8"))


def publiccode() -> dict:
    # The YAML 1.2 core schema has no yes/no booleans or sexagesimals; PyYAML (YAML 1.1)
    # would read them differently, so the file uses none: quoted versions, true/false.
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


def errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return sorted(f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                  for error in validator.iter_errors(document))


def test_the_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_publiccode_yml_is_valid():
    document = publiccode()
    assert errors(document) == []
    # What the schema cannot say: long description and features in at least one language.
    assert any("longDescription" in text and text.get("features")
               for text in document["description"].values())
    assert set(document["description"]) == {"nl", "en"}


def test_publiccode_yml_agrees_with_the_project():
    document = publiccode()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert document["softwareVersion"] == project["version"]
    assert document["legal"]["license"] == project["license"] == "EUPL-1.2"
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    assert "Appendix" in licence and len(licence) > 13_000  # the full text, not a notice


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda d: d.pop("maintenance"), "'maintenance' is a required property"),
    (lambda d: d["maintenance"].pop("contacts"), "'contacts' is a required property"),
    (lambda d: d["categories"].append("gemeenteraad"), "is not one of"),
    (lambda d: d.update(developmentStatus="klaar"), "is not one of"),
    (lambda d: d["description"]["nl"].update(shortDescription="x" * 151), "is too long"),
    (lambda d: d["description"]["en"].update(longDescription="kort"), "is too short"),
    (lambda d: d.update(releaseDate="3-12-2026"), "does not match"),
    (lambda d: d.update(publiccodeYmlVersion="0.2"), "does not match"),
    (lambda d: d.update(licence="EUPL-1.2"), "does not match any of the regexes"),
])
def test_the_schema_catches_mistakes(change, complaint):
    document = copy.deepcopy(publiccode())
    change(document)
    assert any(complaint in error for error in errors(document)), errors(document)
