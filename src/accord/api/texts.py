"""Texts of API fields, filters and errors that other apps' API modules use.

They live in the api app so that its Chinese catalogue carries them; the serializers and
filters in `<app>/api/` import them from here.
"""

from django.utils.translation import gettext_lazy as _

# Errors
NOTHING_TO_CHANGE = _("Send at least one field to change.")

# Field help
END_DATE_HELP = _("On or after the start date.")
DUE_AFTER_START_HELP = _("On or after the start date.")
DUE_NOT_PAST_HELP = _("Today or later when it is set on creation; an edit may keep a past date.")
MY_ROLE_HELP = _("Your role in the project; empty for staff who are not members.")
PROJECT_KEY_HELP = _("2 to 10 capital letters or digits, e.g. ACME.")
CAN_APPROVE_HELP = _("Signing authority; client members only.")
ITEM_KEY_HELP = _("The item's key, e.g. ACME-M2.")

# Filters of the audit records
ACTION = _("Action")
ACTOR_ID = _("Actor (user id)")
SINCE = _("From (inclusive)")
UNTIL = _("Until (exclusive)")

# Requirements
REQUIREMENT_KEY_HELP = _("The requirement's key, e.g. ACME-R12.")
REQUIREMENT_NUMBERS_HELP = _(
    "Requirement numbers in this project, e.g. [12, 14] for ACME-R12 and ACME-R14."
)
PARENT_HELP = _("The parent requirement's number; null for a top-level requirement.")
TAGS_HELP = _("Tag names; they are created in the project when new.")
CRITERIA_HELP = _("The acceptance criteria in order; on an edit, the complete new list.")
CRITERION_ID_HELP = _("An existing criterion's id, to keep its verification; omit for a new one.")
VERSION_NOTE_HELP = _("What changed and why; kept with the new version.")
CONTENT_HASH_HELP = _("SHA-256 over the canonical form of the version's content.")
EXPECTED_HASH_HELP = _(
    "The content hash you reviewed; the decision is refused if the requirement changed since."
)
TRANSITIONS_HELP = _("The transitions you may fire now.")
DIFF_OPS_HELP = _(
    'The change as runs of ["equal" | "delete" | "insert", text]: English word by word, '
    "Chinese character by character."
)
DIRECTION_HELP = _('"out" for a link from this requirement, "in" for a link to it.')
COMPARE_TO_HELP = _('A baseline number, or "current" for the confirmed requirements of today.')
NO_SUCH_REQUIREMENTS = _("No requirement numbered %(numbers)s in this project.")
NO_SUCH_PARENT = _("There is no requirement with this number in the project.")
NO_SUCH_VERSION = _("This requirement has no version %(number)s.")
NO_SUCH_BASELINE = _("This project has no baseline %(number)s.")
NOT_A_BASELINE_OR_CURRENT = _('Give a baseline number, or "current".')
EMPTY_LIST = _("Name at least one requirement.")
TAGS_TO_CHANGE = _("Name at least one tag to add or remove.")
LINK_TARGET_HELP = _("The number of the requirement to link to, in the same project.")
COMMENT_VISIBILITY_HELP = _(
    "Who reads the comment. Without it: internal for the team, shared for clients; clients "
    "may only write shared comments."
)
TASK_PROGRESS_HELP = _(
    "Delivery: the tasks linked to the requirement, how many and how many done; null for "
    "readers who do not see tasks (clients)."
)
TASKS_TOTAL_HELP = _("Tasks linked to the requirement.")
TASKS_DONE_HELP = _("Of those, done.")
TASKS_PERCENT_HELP = _("Done as a whole percentage, rounded down.")
HIDDEN_REQUIREMENT_HELP = _(
    "True for a requirement you may not see (any longer): it counts, but has no key, number "
    "or title."
)
