"""How the project history names requirement actions and the values they record."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "requirement.created": _("created a requirement"),
    "requirement.updated": _("changed a requirement"),
    "requirement.send_to_review": _("sent a requirement to internal review"),
    "requirement.back_to_draft": _("moved a requirement back to draft"),
    "requirement.submitted": _("submitted a requirement to the client"),
    "requirement.recall": _("recalled a requirement from the client"),
    "requirement.confirmed": _("confirmed a requirement"),
    "requirement.returned": _("returned a requirement with comments"),
    "requirement.rejected": _("rejected a requirement"),
    "requirement.rework": _("reworked a requirement as a draft"),
    "requirement.implement": _("marked a requirement implemented"),
    "requirement.verify": _("marked a requirement verified"),
    "requirement.reopen": _("reopened a requirement"),
    "requirement.accept": _("accepted a requirement"),
    "requirement.withdraw": _("withdrew a requirement"),
    "requirement.reinstate": _("reinstated a requirement"),
    "requirement.criterion_verified": _("verified an acceptance criterion"),
    "requirement.criterion_unverified": _("cleared an acceptance criterion's verification"),
    "requirement.linked": _("linked requirements"),
    "requirement.unlinked": _("removed a requirement link"),
    "baseline.created": _("recorded a baseline"),
    "comment.created": _("commented on a requirement"),
    "comment.deleted": _("deleted a comment"),
}

FIELD_LABELS = {
    "version_number": _("version"),
    "content_hash": _("content hash"),
    "tags": _("tags"),
    "criteria": _("acceptance criteria"),
    "criterion": _("acceptance criterion"),
    "comment": _("comment"),
    "body": _("comment"),
    "comment_id": None,
    "decision_id": None,
    # The sign-off's id and seal, for `accord verify`.
    "signoff": None,
    "submission_id": None,
    "link": _("link"),
    "target": _("linked requirement"),
    "note": _("note"),
    "verified": _("verified"),
    "requirements": _("requirements"),
    "changed_since_confirmation": _("changed since confirmation"),
}
