"""Route-map XML is read without DTDs: no external entities (file disclosure), no entity expansion (billion
laughs), and a DOCTYPE is a validation problem instead of a map that deploys but fails when it first runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.parsing import XmlSyntaxProblem, read_xml
from engine.validation import validate_route_map

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bpmn"
SECRET = "top-secret-contents-of-a-server-file"


def _with_doctype(xml: str, doctype: str) -> str:
    body = xml.split("?>", 1)[1] if xml.lstrip().startswith("<?xml") else xml
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body.lstrip()}'


def test_external_entity_is_refused_and_the_file_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    xml = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'
    with pytest.raises(XmlSyntaxProblem) as caught:
        read_xml(xml)
    assert caught.value.problem.code == "xml-doctype"
    assert SECRET not in caught.value.problem.message


def test_entity_expansion_is_refused():
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    with pytest.raises(XmlSyntaxProblem):
        read_xml(f'<!DOCTYPE r [<!ENTITY l0 "lol">{lol}]><r>&l9;</r>')


def test_plain_xml_still_reads():
    assert read_xml('<?xml version="1.0"?><r a="1"><c/></r>').get("a") == "1"


def test_a_route_map_with_a_doctype_is_not_deployable():
    valid = (FIXTURES / "ui_sale.bpmn").read_text(encoding="utf-8")
    assert "xml-doctype" not in {p.code for p in validate_route_map(valid).problems}
    report = validate_route_map(_with_doctype(valid, '<!DOCTYPE definitions [<!ENTITY who "manager">]>'))
    assert [p.code for p in report.problems] == ["xml-doctype"]
