"""The Chinese catalogues are complete and their committed .mo files match the .po sources.

A fresh machine may lack gettext's tools, so compiled catalogues are committed; this test keeps
them honest.
"""

from pathlib import Path

import polib
import pytest

APPS = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(APPS.glob("*/locale/zh_Hans/LC_MESSAGES/*.po"))


def test_there_are_catalogues() -> None:
    assert CATALOGUES, "no zh_Hans catalogues found"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_string_is_translated(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == [], f"{po_path}: untranslated or fuzzy: {missing[:10]}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_compiled_catalogue_matches_source(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    po = polib.pofile(str(po_path))
    mo = polib.mofile(str(mo_path))

    def entries(catalogue) -> dict:
        out = {}
        for e in catalogue:
            if e.obsolete or getattr(e, "fuzzy", False) or not e.msgid:
                continue
            key = (e.msgctxt or "", e.msgid)
            out[key] = tuple(e.msgstr_plural.values()) if e.msgid_plural else e.msgstr
        return out

    assert entries(po) == entries(mo), f"{mo_path} is out of date: run `make messages`"
