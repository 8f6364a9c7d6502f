"""Texts of API fields, filters and errors that other apps' API modules use.

They live in the api app so that its Chinese catalogue carries them; the serializers and
filters in `<app>/api/` import them from here.
"""

from django.utils.translation import gettext_lazy as _

# Errors
NOTHING_TO_CHANGE = _("Send at least one field to change.")

# Field help
MY_ROLE_HELP = _("Your role in the project; empty for staff who are not members.")
PROJECT_KEY_HELP = _("2 to 10 capital letters or digits, e.g. ACME.")
CAN_APPROVE_HELP = _("Signing authority; client members only.")
ITEM_KEY_HELP = _("The item's key, e.g. ACME-M2.")

# Filters of the audit records
ACTION = _("Action")
ACTOR_ID = _("Actor (user id)")
SINCE = _("From (inclusive)")
UNTIL = _("Until (exclusive)")
