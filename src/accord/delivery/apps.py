from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "accord.delivery"
    label = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        # The project history names task actions and recorded values in words.
        from accord.delivery import audit_labels
        from accord.projects import selectors

        selectors.ACTION_LABELS.update(audit_labels.ACTION_LABELS)
        selectors.FIELD_LABELS.update(audit_labels.FIELD_LABELS)
        # The API schema names the task's vocabularies; their field names (status, type,
        # priority) are shared with other apps' choices and would otherwise collide.
        overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
        overrides.setdefault("TaskStatusEnum", "accord.delivery.choices.TaskStatus")
        overrides.setdefault("TaskTypeEnum", "accord.delivery.choices.TaskType")
        overrides.setdefault("TaskPriorityEnum", "accord.delivery.choices.TaskPriority")
        # The requirements' own sets of the same field names get their names too, or the
        # collision would give them generated ones.
        overrides.setdefault("RequirementTypeEnum", "accord.requirements.choices.RequirementType")
        overrides.setdefault("RequirementPriorityEnum", "accord.requirements.choices.Priority")
