from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    MANAGER = "manager", _("Project manager")
    MEMBER = "member", _("Team member")
    CLIENT = "client", _("Client")
    VIEWER = "viewer", _("Viewer")


# Roles that read internal content; clients read only what is shared with them.
INTERNAL_ROLES = (Role.MANAGER, Role.MEMBER, Role.VIEWER)
# Roles that write project content.
EDITOR_ROLES = (Role.MANAGER, Role.MEMBER)


class ProjectStatus(models.TextChoices):
    # A context keeps "Active" apart from the same word for API tokens in other catalogues.
    PLANNING = "planning", pgettext_lazy("project status", "Planning")
    ACTIVE = "active", pgettext_lazy("project status", "Active")
    ON_HOLD = "on_hold", pgettext_lazy("project status", "On hold")
    CLOSED = "closed", pgettext_lazy("project status", "Closed")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
