"""The vocabulary of change control: types, urgency, states, the workflow table and approvals."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ChangeType(models.TextChoices):
    ADD_SCOPE = "add_scope", _("Add scope")
    MODIFY_SCOPE = "modify_scope", _("Modify scope")
    REMOVE_SCOPE = "remove_scope", _("Remove scope")
    SCHEDULE = "schedule", pgettext_lazy("change type", "Schedule")
    BUDGET = "budget", pgettext_lazy("change type", "Budget")
    TECHNICAL = "technical", pgettext_lazy("change type", "Technical")


class Urgency(models.TextChoices):
    LOW = "low", pgettext_lazy("urgency", "Low")
    NORMAL = "normal", pgettext_lazy("urgency", "Normal")
    HIGH = "high", pgettext_lazy("urgency", "High")
    CRITICAL = "critical", pgettext_lazy("urgency", "Critical")


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("change status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("change status", "Submitted")
    UNDER_ASSESSMENT = "under_assessment", _("Under assessment")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("change status", "Approved")
    REJECTED = "rejected", pgettext_lazy("change status", "Rejected")
    DEFERRED = "deferred", _("Deferred")
    IN_IMPLEMENTATION = "in_implementation", _("In implementation")
    IMPLEMENTED = "implemented", pgettext_lazy("change status", "Implemented")
    CLOSED = "closed", pgettext_lazy("change status", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("change status", "Withdrawn")


# States in which the request still waits for a decision (the change log's "open" filter).
OPEN_STATES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.UNDER_ASSESSMENT,
    Status.AWAITING_APPROVAL,
    Status.DEFERRED,
)
# States whose content may still be edited; an edit after an approval voids it.
EDITABLE_STATES = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.UNDER_ASSESSMENT,
    Status.AWAITING_APPROVAL,
)
# States that count as decided, for "mean time to decision".
DECIDED_STATES = (
    Status.APPROVED,
    Status.REJECTED,
    Status.IN_IMPLEMENTATION,
    Status.IMPLEMENTED,
    Status.CLOSED,
)


class Actor(models.TextChoices):
    """Who may fire a transition."""

    REQUESTER = "requester", _("Requester")  # who raised it, or the project manager
    TEAM = "team", _("Team")
    MANAGER = "manager", _("Project manager")


class Transition(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    START_ASSESSMENT = "assess", _("Start assessment")
    REQUEST_APPROVAL = "request_approval", _("Request approval")
    BACK_TO_ASSESSMENT = "back_to_assessment", _("Back to assessment")
    DEFER = "defer", _("Defer")
    RESUME = "resume", _("Resume assessment")
    START_IMPLEMENTATION = "start_implementation", _("Start implementation")
    IMPLEMENT = "implement", _("Apply the change")
    CLOSE = "close", pgettext_lazy("change transition", "Close")
    WITHDRAW = "withdraw", pgettext_lazy("change transition", "Withdraw")


S = Status
# (transition, from states, to state, who). Approval and rejection are not in the table: they
# are decisions (ChangeApproval), and the request moves to approved or rejected when the
# project's approval policy is satisfied or any required approver rejects. IMPLEMENT has its
# own service (it applies the redline exactly once).
WORKFLOW: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    (Transition.SUBMIT, (S.DRAFT,), S.SUBMITTED, Actor.REQUESTER),
    (Transition.START_ASSESSMENT, (S.SUBMITTED,), S.UNDER_ASSESSMENT, Actor.TEAM),
    (Transition.REQUEST_APPROVAL, (S.UNDER_ASSESSMENT,), S.AWAITING_APPROVAL, Actor.MANAGER),
    (Transition.BACK_TO_ASSESSMENT, (S.AWAITING_APPROVAL,), S.UNDER_ASSESSMENT, Actor.MANAGER),
    (Transition.DEFER, (S.UNDER_ASSESSMENT, S.AWAITING_APPROVAL), S.DEFERRED, Actor.MANAGER),
    (Transition.RESUME, (S.DEFERRED,), S.UNDER_ASSESSMENT, Actor.MANAGER),
    (Transition.START_IMPLEMENTATION, (S.APPROVED,), S.IN_IMPLEMENTATION, Actor.MANAGER),
    (Transition.IMPLEMENT, (S.APPROVED, S.IN_IMPLEMENTATION), S.IMPLEMENTED, Actor.MANAGER),
    (Transition.CLOSE, (S.IMPLEMENTED, S.REJECTED), S.CLOSED, Actor.MANAGER),
    (
        Transition.WITHDRAW,
        (S.DRAFT, S.SUBMITTED, S.UNDER_ASSESSMENT, S.AWAITING_APPROVAL, S.DEFERRED),
        S.WITHDRAWN,
        Actor.REQUESTER,
    ),
)


class ItemAction(models.TextChoices):
    """What one line of the redline does."""

    ADD = "add", _("Add a requirement")
    MODIFY = "modify", _("Change a requirement")
    WITHDRAW = "withdraw", _("Withdraw a requirement")


class Decision(models.TextChoices):
    APPROVED = "approved", pgettext_lazy("approval decision", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval decision", "Rejected")


class ApproverSlot(models.TextChoices):
    """Which part of the approval policy a decision counts toward."""

    MANAGER = "manager", _("Project manager")
    CLIENT = "client", _("Client approver")
    BOARD = "board", _("Change board")
