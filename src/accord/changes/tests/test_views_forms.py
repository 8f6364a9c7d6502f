"""Raising and editing change requests (the redline as lines, prefilled wording, Given / When /
Then criteria, refusals that keep what was typed and name the line, stale edits), the
assessment and the approval policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from accord.changes import services
from accord.changes.choices import ItemAction, Status
from accord.changes.forms import criteria_text, parse_criteria
from accord.changes.models import ApprovalPolicy, ChangeApproval, ChangeRequest
from accord.changes.tests.factories import confirmed_requirement, make_change, modify_line
from accord.core.models import AuditEvent
from accord.projects.tests.factories import MilestoneFactory
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_risk

pytestmark = pytest.mark.django_db

CREATE = reverse("changes:create", kwargs={"key": "ACME"})


def _url(name: str, change: ChangeRequest) -> str:
    return reverse(f"changes:{name}", kwargs={"key": "ACME", "number": change.number})


def form_data(lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    data = {
        "title": "Monthly report as CSV",
        "type": "modify_scope",
        "urgency": "normal",
        "reason": "Finance imports the figures into their own tools.",
        "background": "",
        "source_reference": "",
    }
    data.update(fields)
    lines = lines or []
    data.update(
        {
            "items-TOTAL_FORMS": str(len(lines)),
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        }
    )
    for index, line in enumerate(lines):
        values = {"action": "modify", "priority": "should"}
        values.update(line)
        for name, value in values.items():
            data[f"items-{index}-{name}"] = value
    return data


def test_parse_criteria_keeps_given_when_then_and_round_trips():
    text = "Given a March invoice when finance downloads the report then it is one line\nPlain"
    criteria = parse_criteria(text)
    assert criteria == [
        {
            "style": "gherkin",
            "given": "a March invoice",
            "when": "finance downloads the report",
            "then": "it is one line",
        },
        {"style": "free", "text": "Plain"},
    ]
    assert criteria_text(criteria) == text
    assert (
        parse_criteria("假如 三月的发票 当 财务下载报表 那么 每张发票一行")[0]["style"] == "gherkin"
    )


def test_a_change_line_is_prefilled_with_the_current_wording_then_saved(client, personas):
    requirement = confirmed_requirement(
        personas.project, title="Invoice report", description="Finance downloads a PDF."
    )
    client.force_login(personas.bob)
    first = client.post(CREATE, form_data([{"requirement": str(requirement.number)}]))
    text = first.content.decode()
    assert first.status_code == 200
    assert "The current wording of the requirements to change was filled in." in text
    assert "Finance downloads a PDF." in text
    assert not ChangeRequest.objects.exists()

    lines = [{"requirement": str(requirement.number), "title": "Invoice report",
              "description": "Finance downloads a CSV file.",
              "criteria": "Given March invoices when finance downloads then one line each\n"
                          "Totals match the ledger",
              "note": "CSV instead of PDF"}]  # fmt: skip
    response = client.post(CREATE, form_data(lines))
    change = ChangeRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == change.get_absolute_url()
    assert change.requested_by == personas.bob and change.visibility == "internal"
    item = change.items.get()
    assert item.action == ItemAction.MODIFY and item.requirement == requirement
    assert item.base_version_id == requirement.current_version_id
    assert item.proposed["description"] == "Finance downloads a CSV file."
    assert item.proposed["acceptance_criteria"] == [
        {"style": "gherkin", "given": "March invoices", "when": "finance downloads",
         "then": "one line each"},
        {"style": "free", "text": "Totals match the ledger"},
    ]  # fmt: skip
    assert item.note == "CSV instead of PDF"
    assert AuditEvent.objects.filter(action="change.created").count() == 1


def test_starting_from_a_requirement_prefills_a_change_line(client, personas):
    requirement = confirmed_requirement(personas.project, description="Finance downloads a PDF.")
    client.force_login(personas.bob)
    text = client.get(CREATE + f"?requirement={requirement.number}").content.decode()
    assert "Finance downloads a PDF." in text
    assert f'<option value="{requirement.number}" selected' in text


def test_a_client_raises_a_shared_request_on_a_simpler_form(client, personas):
    requirement = confirmed_requirement(personas.project, title="Shared scope")
    make_requirement(personas.project, title="INTERNAL-SECRET-draft-requirement")
    client.force_login(personas.carol)
    page = client.get(CREATE).content.decode()
    assert "source_risks" not in page
    assert "INTERNAL-SECRET-draft-requirement" not in page
    lines = [{"requirement": str(requirement.number), "title": "Shared scope",
              "description": "Also for the auditors."}]  # fmt: skip
    response = client.post(CREATE, form_data(lines))
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert change.visibility == "shared" and change.requested_by == personas.carol


def test_a_client_cannot_name_an_internal_requirement(client, personas):
    hidden = make_requirement(personas.project, title="INTERNAL-SECRET-draft-requirement")
    client.force_login(personas.carol)
    response = client.post(
        CREATE, form_data([{"requirement": str(hidden.number), "title": "Anything"}])
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert f"There is no requirement ACME-R{hidden.number} in this project." in text
    assert "INTERNAL-SECRET-draft-requirement" not in text
    assert not ChangeRequest.objects.exists()


def test_a_bad_line_keeps_what_was_typed_and_names_the_line(client, personas):
    requirement = confirmed_requirement(personas.project)
    client.force_login(personas.bob)
    lines = [
        {"requirement": str(requirement.number), "title": "Kept title",
         "description": "Typed description"},
        {"action": "add", "description": "A new one without a title"},
    ]  # fmt: skip
    response = client.post(CREATE, form_data(lines, title="My typed title"))
    text = response.content.decode()
    assert response.status_code == 400
    assert "A new requirement needs at least a title." in text
    assert 'id="line-2"' in text
    assert "My typed title" in text and "Typed description" in text
    assert "A new one without a title" in text
    assert not ChangeRequest.objects.exists()


def test_a_refusal_of_the_service_names_the_line(client, personas):
    requirement = confirmed_requirement(personas.project, title="Twice")
    client.force_login(personas.bob)
    line = {"requirement": str(requirement.number), "title": "Twice", "description": "New"}
    response = client.post(CREATE, form_data([line, dict(line)]))
    text = response.content.decode()
    assert response.status_code == 400
    assert "Line 2 of the redline:" in text and "is already on another line" in text
    assert not ChangeRequest.objects.exists()


def test_a_missing_title_names_the_field(client, personas):
    client.force_login(personas.bob)
    response = client.post(CREATE, form_data(title=""))
    assert response.status_code == 400
    assert 'id="id_title-error"' in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_add_a_line_keeps_what_was_typed_without_errors(client, personas):
    client.force_login(personas.bob)
    data = form_data([{"action": "add", "title": "First new"}], title="")
    data["more_lines"] = "1"
    response = client.post(CREATE, data)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="line-2"' in text and "First new" in text
    assert "field-error" not in text
    assert not ChangeRequest.objects.exists()


def test_editing_after_an_approval_voids_it(client, personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL, actor=personas.bob)
    services.change_decide(
        actor=personas.alice, change=change, decision="approved",
        expected_hash=change.content_hash,
    )  # fmt: skip
    change.refresh_from_db()
    client.force_login(personas.bob)
    page = client.get(_url("edit", change)).content.decode()
    assert "Saving a change to its content voids the decisions given so far" in page
    item = change.items.get()
    line = {"requirement": str(item.requirement.number), "title": item.proposed["title"],
            "description": "Reworded after the first approval."}  # fmt: skip
    data = form_data([line], title="Reworded", version=str(change.version))
    response = client.post(_url("edit", change), data)
    assert response.status_code == 302
    approval = ChangeApproval.objects.get(change_request=change)
    assert approval.voided_at is not None
    assert "revision 1 → 2" in approval.void_reason


def test_a_stale_edit_is_refused_with_409_and_keeps_the_input(client, personas):
    change = make_change(personas.project, actor=personas.bob)
    item = change.items.get()
    client.force_login(personas.bob)
    line = {"requirement": str(item.requirement.number), "title": item.proposed["title"],
            "description": "Mine"}  # fmt: skip
    stale = str(change.version)
    services.change_update(actor=personas.alice, change=change, data={"title": "Theirs"})
    response = client.post(_url("edit", change), form_data([line], title="My title", version=stale))
    text = response.content.decode()
    assert response.status_code == 409
    assert "My title" in text
    change.refresh_from_db()
    assert change.title == "Theirs"


def test_a_decided_request_cannot_be_edited(client, personas):
    change = make_change(personas.project, status=Status.APPROVED)
    client.force_login(personas.alice)
    response = client.get(_url("edit", change))
    assert response.status_code == 403
    assert "can no longer be edited" in response.content.decode()


def test_the_team_assesses_effort_cost_schedule_and_risks(client, personas):
    change = make_change(personas.project, status=Status.UNDER_ASSESSMENT)
    milestone = MilestoneFactory(project=personas.project, name="Go-live")
    risk = make_risk(personas.project, title="Auditors reject the format")
    client.force_login(personas.bob)
    assert client.get(_url("assess", change)).status_code == 200
    data = {
        "effort_days": "3.5", "cost": "1200", "cost_currency": "eur",
        "assessment": "Two days of work, a day of testing.", "new_risks": [str(risk.pk)],
        "version": str(change.version),
        "schedule-TOTAL_FORMS": "2", "schedule-INITIAL_FORMS": "0",
        "schedule-MIN_NUM_FORMS": "0", "schedule-MAX_NUM_FORMS": "1000",
        "schedule-0-milestone": str(milestone.pk), "schedule-0-shift_days": "5",
        "schedule-0-note": "Testing", "schedule-1-milestone": "", "schedule-1-shift_days": "",
    }  # fmt: skip
    response = client.post(_url("assess", change), data)
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.effort_days == Decimal("3.5") and change.cost == Decimal("1200")
    assert change.cost_currency == "EUR"
    assert list(change.new_risks.all()) == [risk]
    assert list(change.schedule_impacts.values_list("shift_days", flat=True)) == [5]


def test_a_cost_without_currency_names_the_currency(client, personas):
    change = make_change(personas.project, status=Status.UNDER_ASSESSMENT)
    client.force_login(personas.bob)
    data = {
        "cost": "1200", "cost_currency": "", "version": str(change.version),
        "schedule-TOTAL_FORMS": "0", "schedule-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(_url("assess", change), data)
    assert response.status_code == 400
    assert 'id="id_cost_currency-error"' in response.content.decode()
    change.refresh_from_db()
    assert change.cost is None


def test_clients_do_not_assess(client, personas):
    change = make_change(personas.project, status=Status.SUBMITTED, actor=personas.carol)
    client.force_login(personas.carol)
    assert client.get(_url("assess", change)).status_code == 403


def test_the_manager_sets_the_approval_policy(client, personas):
    url = reverse("changes:policy", kwargs={"key": "ACME"})
    client.force_login(personas.alice)
    page = client.get(url).content.decode()
    assert "The defaults apply" in page
    data = {
        "require_manager": "on", "client_approvals": "1", "board": [str(personas.bob.pk)],
        "board_approvals": "1", "decision_days": "3",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    policy = ApprovalPolicy.objects.get(project=personas.project)
    assert policy.board_approvals == 1 and policy.decision_days == 3
    assert list(policy.board.all()) == [personas.bob]


def test_a_board_smaller_than_its_number_is_refused(client, personas):
    url = reverse("changes:policy", kwargs={"key": "ACME"})
    client.force_login(personas.alice)
    data = {"client_approvals": "1", "board_approvals": "2", "board": [str(personas.bob.pk)],
            "decision_days": "5"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'id="id_board_approvals-error"' in response.content.decode()
    assert not ApprovalPolicy.objects.exists()


def test_only_the_manager_sets_the_policy(client, personas):
    client.force_login(personas.bob)
    assert client.get(reverse("changes:policy", kwargs={"key": "ACME"})).status_code == 403


def test_the_edit_form_shows_the_stored_lines(client, personas):
    requirement = confirmed_requirement(personas.project, title="Stored line")
    change = make_change(
        personas.project, actor=personas.bob,
        items=[modify_line(requirement, description="Proposed wording here")],
    )  # fmt: skip
    client.force_login(personas.bob)
    text = client.get(_url("edit", change)).content.decode()
    assert "Proposed wording here" in text
    assert f'<option value="{requirement.number}" selected' in text
