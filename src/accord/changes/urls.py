from django.urls import path

from accord.changes.views import detail, editing, listing

app_name = "changes"
K = "<str:key>/changes"
ONE = K + "/<int64:number>"

urlpatterns = [
    path(K + "/", listing.change_list, name="list"),
    path(K + "/new/", editing.change_create, name="create"),
    path(K + "/policy/", editing.policy_edit, name="policy"),
    path(ONE + "/", detail.change_detail, name="detail"),
    path(ONE + "/edit/", editing.change_edit, name="edit"),
    path(ONE + "/assess/", editing.change_assess, name="assess"),
    path(ONE + "/step/<str:transition>/", detail.change_transition, name="transition"),
    path(ONE + "/decide/", detail.change_decide, name="decide"),
    path(ONE + "/apply/", detail.change_apply, name="apply"),
]
