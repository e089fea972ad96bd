"""SPEC #32 with task-form files: a file uploaded in a route-map task of the interest is offered and attached
once the application installs the upload resolver (the web layer's upload store); without it, it is not."""

from __future__ import annotations

import pytest

from connectors.mail.fakes import InMemoryMailbox, RecordingMailer
from connectors.mail.parsing import parse_message
from crm.mail.compose import LetterDraft, linked_files, send_letter
from crm.mail.linked_files import set_upload_resolver
from crm.mail.transport import use_transport
from engine.definitions import deploy
from engine.instances import start_instance
from tests.unit.crm.mail.test_outgoing_world import FIXTURES_BPMN, make_world
from webui.uploads import upload_path

TOKEN = "0123456789abcdef0123456789abcdef"
FORMS = {
    "request.json": {"type": "object", "properties": {"amount": {"type": "integer"}}},
    "approve.json": {"type": "object", "properties": {"approved": {"type": "boolean"}}},
}


@pytest.fixture
def world(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    (tmp_path / TOKEN).mkdir()
    (tmp_path / TOKEN / "contract.pdf").write_bytes(b"%PDF contract")
    mailbox, mailer = InMemoryMailbox(("INBOX",)), RecordingMailer()
    with use_transport(mailbox.factory, mailer.factory):
        world = make_world()
        world.mailer = mailer
        deploy((FIXTURES_BPMN / "rt_approval.bpmn").read_text(encoding="utf-8"), forms=FORMS)
        start_instance("rt_approval", business_key=f"interest:{world.interest.id}",
                       data={"approver_id": world.mary.id, "files": {"contract": f"upload:{TOKEN}/contract.pdf"}})  # fmt: skip
        yield world
    set_upload_resolver(None)


def draft(world, **extra):
    return LetterDraft(account_id=world.account.id, to="ivan@romashka.example", subject="Documents",
                       interest_id=world.interest.id, **extra)  # fmt: skip


def test_without_the_resolver_only_letters_files_are_offered(world):
    set_upload_resolver(None)
    assert [f.filename for f in linked_files(world.mary, draft(world))] == ["prices.pdf"]


def test_task_form_files_are_offered_and_attached_by_key(world):
    set_upload_resolver(upload_path)
    offered = linked_files(world.mary, draft(world))
    assert [(f.filename, f.source, f.key) for f in offered] == [
        ("contract.pdf", "task_form", f"upload:{TOKEN}/contract.pdf"),
        ("prices.pdf", "letter", offered[1].key),
    ]
    send_letter(world.mary, draft(world, include_linked_files=True, linked_file_keys=[offered[0].key]))
    [attached] = parse_message(world.mailer.sent[0].raw).attachments
    assert (attached.filename, attached.content_type, attached.content) == (
        "contract.pdf", "application/pdf", b"%PDF contract")  # fmt: skip


def test_someone_who_cannot_see_the_interest_gets_none_of_its_files(world):
    set_upload_resolver(upload_path)
    assert linked_files(world.oleg, draft(world)) == []
