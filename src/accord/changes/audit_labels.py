"""How the project history names change request actions and the values they record."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "change.created": _("raised a change request"),
    "change.updated": _("changed a change request"),
    "change.submit": _("submitted a change request"),
    "change.assess": _("started assessing a change request"),
    "change.request_approval": _("asked for approval of a change request"),
    "change.back_to_assessment": _("took a change request back to assessment"),
    "change.defer": _("deferred a change request"),
    "change.resume": _("resumed assessing a change request"),
    "change.start_implementation": _("started implementing a change request"),
    "change.close": _("closed a change request"),
    "change.withdraw": _("withdrew a change request"),
    "change.approved_by": _("approved a change request"),
    "change.rejected_by": _("rejected a change request"),
    "change.approved": _("change request approved by all approvers"),
    "change.rejected": _("change request rejected"),
    "change.applied": _("applied a change request to the requirements"),
    "change.policy_updated": _("changed the change approval policy"),
    "requirement.change_applied": _("changed a requirement through a change request"),
}

FIELD_LABELS = {
    "revision": _("revision"),
    "items": _("redline lines"),
    "schedule": _("schedule impact"),
    "new_risks": _("new risks"),
    "source_risks": _("risks it came from"),
    "voided_approvals": _("approvals voided"),
    "decision": _("decision"),
    # The sign-off's id and seal, for `accord verify`.
    "signoff": None,
    "slot": _("approved as"),
    "approval_due": _("decision due"),
    "change_request": _("change request"),
    "baseline": _("baseline"),
    "tasks": _("tasks created"),
    "require_manager": _("the project manager must approve"),
    "client_approvals": _("client approvers who must approve"),
    "board_approvals": _("board members who must approve"),
    "board": _("change board"),
    "allow_self_approval": _("self-approval allowed"),
    "decision_days": _("days to decide"),
    "urgency": _("urgency"),
    "reason": _("reason"),
    "effort_days": _("effort (person-days)"),
    "cost": _("cost"),
    "cost_currency": _("currency"),
    "assessment": _("assessment"),
}
