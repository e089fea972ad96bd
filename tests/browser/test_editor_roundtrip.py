"""Every route map we have — fixtures, shipped maps, editor templates, and files drawn in Camunda Modeler,
Signavio and bpmn.io — opens in the editor and saves with no element or attribute lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from crm.accounts import services as accounts
from engine.db import db
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ALL_BPMN = sorted(
    [
        *(REPO / "tests" / "fixtures").rglob("*.bpmn"),
        *(REPO / "processes").rglob("*.bpmn"),
        *(REPO / "webui" / "editor_templates").glob("*.bpmn"),
    ]
)
# Engine test fixtures written without diagram interchange (no shapes) cannot be drawn by any modeler;
# the editor says so (see test_a_file_without_a_diagram_is_refused_clearly).
BPMN_FILES = [p for p in ALL_BPMN if "BPMNDiagram" in p.read_text(encoding="utf-8")]
FOREIGN = sorted((REPO / "tests" / "fixtures" / "foreign_bpmn").glob("*.bpmn"))
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# Attributes at their BPMN 2.0 schema default: bpmn-js leaves them out when it writes, which changes nothing.
BPMN_DEFAULTS = {
    "completionQuantity": "1",
    "startQuantity": "1",
    "isForCompensation": "false",
    "textFormat": "text/plain",
    "isClosed": "false",
    "processType": "None",
    "gatewayDirection": "Unspecified",
    "isInterrupting": "true",
    "cancelActivity": "true",
    "associationDirection": "None",
    "typeLanguage": "http://www.w3.org/2001/XMLSchema",
    "isSequential": "false",
}


def content(xml: str) -> dict:
    """Every element: those with an id (or a diagram element's bpmnElement) by that key, the others counted
    as (tag, attributes, text); xsi:type is resolved to a namespace-qualified name."""
    root = etree.fromstring(xml.encode())
    found: dict = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        attrs = {
            name: _number(value) for name, value in element.attrib.items() if BPMN_DEFAULTS.get(name) != value
        }
        if XSI_TYPE in attrs:
            prefix, _, local = attrs[XSI_TYPE].rpartition(":")
            attrs[XSI_TYPE] = f"{{{element.nsmap.get(prefix or None)}}}{local}"
        text = (element.text or "").strip()
        key = element.get("id") or element.get("bpmnElement")
        if key:
            found[(element.tag, key)] = (attrs, text)
        else:
            signature = (element.tag, tuple(sorted(attrs.items())), text)
            found[signature] = found.get(signature, 0) + 1
    return found


def _kept(before, after) -> bool:
    """An element with an id keeps every attribute and its text (bpmn-js may add attributes); an element
    without one appears at least as often."""
    if isinstance(before, int):
        return after >= before
    return before[1] == after[1] and before[0].items() <= after[0].items()


def _number(value: str) -> str:
    """'250.0' and '250' are the same coordinate."""
    try:
        return repr(float(value))
    except ValueError:
        return value


@pytest.fixture(scope="module")
def editor_page(browser, tmp_path_factory):
    """One logged-in editor page for all files (a fresh app: nothing here depends on stored data)."""
    import threading

    from werkzeug.serving import make_server

    from tests.conftest import make_sqlite_app

    app = make_sqlite_app(tmp_path_factory.mktemp("roundtrip"), WTF_CSRF_ENABLED=True)
    with app.app_context():
        accounts.ensure_builtin_roles()
        accounts.create_user("rt-designer", "Round Trip", "rt-password-1", roles=["designer"])
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, "rt-designer", "rt-password-1")
    page.goto(f"{base}/processes/new?template=blank")
    page.wait_for_selector("body[data-editor-ready=true]", state="attached")
    yield page
    context.close()
    server.shutdown()
    thread.join(timeout=5)


def open_and_save(page, xml: str) -> dict:
    return page.evaluate(
        """async (xml) => {
          const result = await routeMapEditor.open(xml);
          const saved = await routeMapEditor.modeler.saveXML({ format: true });
          const rendered = routeMapEditor.modeler.get('elementRegistry').getAll().map(e => e.id);
          return { xml: saved.xml, warnings: result.warnings.map(w => w.message), rendered };
        }""",
        xml,
    )


def test_there_are_files_from_other_modelers():
    assert {p.name for p in FOREIGN} >= {
        "camunda_modeler_invoice.bpmn",
        "signavio_order_handling.bpmn",
        "bpmnio_support_escalation.bpmn",
    }


@pytest.mark.parametrize("path", BPMN_FILES, ids=[str(p.relative_to(REPO)) for p in BPMN_FILES])
def test_open_and_save_loses_nothing(editor_page, path):
    original = path.read_text(encoding="utf-8")
    result = open_and_save(editor_page, original)
    ids = set(etree.fromstring(original.encode()).xpath("//@id"))
    # Warnings only for references the file leaves dangling (a broken fixture, or SpiffWorkflow's variable
    # names in reference fields); the editor keeps them as written.
    for warning in result["warnings"]:
        match = re.fullmatch(r"unresolved reference <(.+)>", warning)
        assert match and match[1] not in ids, warning
    before, after = content(original), content(result["xml"])
    lost = [key for key in before if key not in after or not _kept(before[key], after[key])]
    assert not lost, f"lost in {path.name}: {sorted(lost)}"
    shapes = etree.fromstring(original.encode()).xpath(
        "//bpmndi:BPMNShape/@bpmnElement | //bpmndi:BPMNEdge/@bpmnElement",
        namespaces={"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"},
    )
    assert set(shapes) <= set(result["rendered"])  # everything drawn in the file is drawn in the editor


def test_a_file_without_a_diagram_is_refused_clearly(editor_page):
    without_di = next(p for p in ALL_BPMN if "BPMNDiagram" not in p.read_text(encoding="utf-8"))
    message = editor_page.evaluate(
        "async (xml) => { try { await routeMapEditor.open(xml); return ''; } catch (e) { return e.message; } }",
        without_di.read_text(encoding="utf-8"),
    )
    assert message == "no diagram to display"
