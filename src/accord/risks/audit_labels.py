"""How the project history names risk actions and the values they record."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "risk.created": _("recorded a risk"),
    "risk.updated": _("changed a risk"),
    "risk.reviewed": _("reviewed a risk"),
    "risk.deleted": _("deleted a risk"),
    "risk.action_created": _("added a risk response action"),
    "risk.action_updated": _("changed a risk response action"),
    "risk.action_completed": _("completed a risk response action"),
    "risk.action_reopened": _("reopened a risk response action"),
    "risk.action_deleted": _("deleted a risk response action"),
    "risk.thresholds_updated": _("changed the risk level thresholds"),
    "problem.created": _("recorded a problem"),
    "problem.updated": _("changed a problem"),
    "problem.deleted": _("deleted a problem"),
}

# Recorded values that are not fields of the audited object (an action's record names its risk).
FIELD_LABELS = {
    "risk": _("risk"),
    "score": _("score"),
    "note": _("note"),  # a review's note
    "requirements": _("affected requirements"),  # a problem's, by key
    "change_requests": _("change requests"),  # a problem's, by key
}
