"""The vocabulary of the risk register: categories, scales, levels, strategies and states."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    TECHNICAL = "technical", _("Technical")
    RESOURCE = "resource", _("Resource")
    SCHEDULE = "schedule", _("Schedule")
    BUDGET = "budget", _("Budget")
    REQUIREMENTS = "requirements", _("Requirements")
    CLIENT = "client", pgettext_lazy("risk category", "Client")
    MARKET = "market", _("Market")
    LEGAL = "legal", _("Legal")
    SECURITY = "security", pgettext_lazy("risk category", "Security")
    OTHER = "other", pgettext_lazy("risk category", "Other")


class Probability(models.IntegerChoices):
    """What each level of the 1–5 probability scale means."""

    RARE = 1, _("1 · Rare: under 10%")
    UNLIKELY = 2, _("2 · Unlikely: 10–30%")
    POSSIBLE = 3, _("3 · Possible: 30–50%")
    LIKELY = 4, _("4 · Likely: 50–80%")
    ALMOST_CERTAIN = 5, _("5 · Almost certain: over 80%")


class Impact(models.IntegerChoices):
    """What each level of the 1–5 impact scale means."""

    NEGLIGIBLE = 1, _("1 · Negligible: absorbed within the plan")
    MINOR = 2, _("2 · Minor: small slip, no milestone moves")
    MODERATE = 3, _("3 · Moderate: a milestone moves or the budget grows a little")
    MAJOR = 4, _("4 · Major: a key milestone, the budget or the client relationship suffers")
    SEVERE = 5, _("5 · Severe: the project's goals are in danger")


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Strategy(models.TextChoices):
    AVOID = "avoid", _("Avoid")
    MITIGATE = "mitigate", _("Mitigate")
    TRANSFER = "transfer", _("Transfer")
    ACCEPT = "accept", pgettext_lazy("risk strategy", "Accept")
    ESCALATE = "escalate", _("Escalate")


class RiskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("risk status", "Open")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", pgettext_lazy("risk status", "Closed")
    OCCURRED = "occurred", _("Occurred")


ACTIVE_STATES = (RiskStatus.OPEN, RiskStatus.MONITORING)

# Default level thresholds on the 1–25 score (probability × impact); a project may set its own.
DEFAULT_MEDIUM_FROM = 5
DEFAULT_HIGH_FROM = 10
DEFAULT_CRITICAL_FROM = 16


class ProblemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("problem status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("problem status", "Being solved")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", pgettext_lazy("problem status", "Closed")


OPEN_PROBLEM_STATES = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)
