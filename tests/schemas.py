"""The official XML schemas, found at ../shared/schemas from the project root (or wherever JOURNAL_SCHEMAS
points), parsed once per test session. Where they are missing, the tests that need them are skipped with a
reason that says so plainly: output a standard defines is never "validated" against nothing.

Never copy the schemas into the project, and never edit one to make output pass.
"""

import functools
import os
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(os.environ.get("JOURNAL_SCHEMAS") or ROOT.parent / "shared" / "schemas")


def schema_path(*parts: str) -> Path:
    path = SCHEMAS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"!!! XML SCHEMA MISSING: {path} does not exist, so this output is NOT validated against its "
                    f"official schema. Put the schemas at ../shared/schemas or set JOURNAL_SCHEMAS. !!!")
    return path


@functools.cache
def _xsd(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


@functools.cache
def _dtd(path: Path) -> etree.DTD:
    return etree.DTD(str(path))


def oai_schema() -> etree.XMLSchema:
    """The OAI-PMH envelope with oai_dc and oai-identifier in one pass."""
    return _xsd(schema_path("oai-pmh", "oai-pmh-bundle.xsd"))


def crossref_schema(version: str = "5.4.0") -> etree.XMLSchema:
    return _xsd(schema_path("crossref", f"crossref{version}.xsd"))


def jats_dtd() -> etree.DTD:
    return _dtd(schema_path("jats", "dtd", "JATS-journalpublishing1-3.dtd"))


def jats_xsd() -> etree.XMLSchema:
    return _xsd(schema_path("jats", "xsd", "JATS-journalpublishing1-3-mathml3.xsd"))


def parse(data: bytes):
    """A document as harvesters read it: no network, no external entities."""
    return etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))


def assert_valid(schema, data: bytes):
    """Parse and validate; on failure, the schema's own messages with line numbers."""
    document = parse(data)
    if not schema.validate(document):
        lines = data.decode("utf-8", "replace").splitlines()
        messages = []
        for entry in schema.error_log:
            context = lines[entry.line - 1].strip()[:200] if 0 < entry.line <= len(lines) else ""
            messages.append(f"line {entry.line}: {entry.message}\n    {context}")
        pytest.fail("not valid:\n" + "\n".join(messages), pytrace=False)
    return document
