"""The vocabulary of requirements: types, priorities, sources, states and link kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequirementType(models.TextChoices):
    BUSINESS = "business", _("Business")
    FUNCTIONAL = "functional", _("Functional")
    NON_FUNCTIONAL = "non_functional", _("Non-functional")
    CONSTRAINT = "constraint", _("Constraint")


class QualityAttribute(models.TextChoices):
    """The sub-type of a non-functional requirement."""

    PERFORMANCE = "performance", _("Performance")
    SECURITY = "security", _("Security")
    USABILITY = "usability", _("Usability")
    COMPATIBILITY = "compatibility", _("Compatibility")
    RELIABILITY = "reliability", _("Reliability")
    MAINTAINABILITY = "maintainability", _("Maintainability")
    OTHER = "other", pgettext_lazy("quality attribute", "Other")


class Priority(models.TextChoices):
    """MoSCoW."""

    MUST = "must", _("Must have")
    SHOULD = "should", _("Should have")
    COULD = "could", _("Could have")
    WONT = "wont", _("Won't have")


class Source(models.TextChoices):
    INTERVIEW = "interview", _("Interview")
    WORKSHOP = "workshop", _("Workshop")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    DOCUMENT = "document", _("Document")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    FEEDBACK = "feedback", _("Feedback")
    CHANGE_REQUEST = "change_request", _("Change request")


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("requirement status", "Draft")
    IN_REVIEW = "in_review", _("In internal review")
    SUBMITTED = "submitted", _("Submitted to client")
    RETURNED = "returned", _("Returned by client")
    CONFIRMED = "confirmed", _("Confirmed")
    IMPLEMENTED = "implemented", _("Implemented")
    VERIFIED = "verified", _("Verified")
    ACCEPTED = "accepted", pgettext_lazy("requirement status", "Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The states a client may see the requirement in; drafts, internal review and withdrawn
# requirements stay internal.
CLIENT_VISIBLE_STATES = (
    Status.SUBMITTED,
    Status.RETURNED,
    Status.CONFIRMED,
    Status.IMPLEMENTED,
    Status.VERIFIED,
    Status.ACCEPTED,
    Status.REJECTED,
)
# States that count as agreed scope; a baseline freezes the confirmed version of these.
AGREED_STATES = (Status.CONFIRMED, Status.IMPLEMENTED, Status.VERIFIED, Status.ACCEPTED)


class Actor(models.TextChoices):
    """Who may fire a transition: the team (managers and members) or a client approver."""

    TEAM = "team", _("Team")
    MANAGER = "manager", _("Project manager")
    CLIENT_APPROVER = "approver", _("Client approver")


class Transition(models.TextChoices):
    """Named transitions; the table below says from where to where and who may fire them."""

    SEND_TO_REVIEW = "send_to_review", _("Send to internal review")
    BACK_TO_DRAFT = "back_to_draft", _("Back to draft")
    SUBMIT = "submit", _("Submit to client")
    RECALL = "recall", _("Recall from client")
    CONFIRM = "confirm", _("Confirm")
    RETURN = "return", _("Return with comments")
    REJECT = "reject", _("Reject")
    REWORK = "rework", _("Rework as draft")
    MARK_IMPLEMENTED = "implement", _("Mark implemented")
    VERIFY = "verify", _("Mark verified")
    REOPEN = "reopen", _("Reopen")
    ACCEPT = "accept", _("Accept")
    WITHDRAW = "withdraw", _("Withdraw")
    REINSTATE = "reinstate", _("Reinstate as draft")


S = Status
# (transition, from states, to state, who). The one table the services enforce; the pages and
# the API offer only what it allows.
WORKFLOW: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    (Transition.SEND_TO_REVIEW, (S.DRAFT,), S.IN_REVIEW, Actor.TEAM),
    (Transition.BACK_TO_DRAFT, (S.IN_REVIEW,), S.DRAFT, Actor.TEAM),
    # Submitting is also how a returned requirement, or a confirmed one edited since its
    # confirmation, goes back to the client.
    (Transition.SUBMIT, (S.IN_REVIEW, S.RETURNED, S.CONFIRMED), S.SUBMITTED, Actor.MANAGER),
    (Transition.RECALL, (S.SUBMITTED,), S.IN_REVIEW, Actor.MANAGER),
    (Transition.CONFIRM, (S.SUBMITTED,), S.CONFIRMED, Actor.CLIENT_APPROVER),
    (Transition.RETURN, (S.SUBMITTED,), S.RETURNED, Actor.CLIENT_APPROVER),
    (Transition.REJECT, (S.SUBMITTED,), S.REJECTED, Actor.CLIENT_APPROVER),
    (Transition.REWORK, (S.RETURNED, S.REJECTED), S.DRAFT, Actor.TEAM),
    (Transition.MARK_IMPLEMENTED, (S.CONFIRMED,), S.IMPLEMENTED, Actor.TEAM),
    (Transition.VERIFY, (S.IMPLEMENTED,), S.VERIFIED, Actor.TEAM),
    (Transition.REOPEN, (S.IMPLEMENTED, S.VERIFIED), S.CONFIRMED, Actor.TEAM),
    (Transition.ACCEPT, (S.VERIFIED,), S.ACCEPTED, Actor.CLIENT_APPROVER),
    (
        Transition.WITHDRAW,
        (S.DRAFT, S.IN_REVIEW, S.RETURNED, S.CONFIRMED, S.REJECTED),
        S.WITHDRAWN,
        Actor.MANAGER,
    ),
    (Transition.REINSTATE, (S.WITHDRAWN,), S.DRAFT, Actor.MANAGER),
)


class LinkKind(models.TextChoices):
    DEPENDS_ON = "depends_on", _("depends on")
    REFINES = "refines", _("refines")
    CONFLICTS_WITH = "conflicts_with", _("conflicts with")
    DUPLICATES = "duplicates", _("duplicates")


class CriterionStyle(models.TextChoices):
    FREE = "free", _("Free text")
    GHERKIN = "gherkin", _("Given / When / Then")


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")
    REJECTED = "rejected", _("Rejected")
    ACCEPTED = "accepted", pgettext_lazy("requirement status", "Accepted")
