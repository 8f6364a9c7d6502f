from django.db import models


class Language(models.TextChoices):
    # Language names are shown in their own language, so everyone can find theirs.
    ENGLISH = "en", "English"
    CHINESE = "zh-hans", "简体中文"
