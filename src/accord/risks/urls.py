from django.urls import path

from accord.risks.views import pages

app_name = "risks"
K = "<str:key>/risks"
ONE = K + "/<int:number>"

urlpatterns = [
    # pages
    path(K + "/", pages.risk_list, name="list"),
    path(K + "/heat-map/", pages.risk_heatmap, name="heatmap"),
    path(K + "/new/", pages.risk_create, name="create"),
    path(K + "/thresholds/", pages.thresholds_edit, name="thresholds"),
    path(ONE + "/", pages.risk_detail, name="detail"),
    path(ONE + "/edit/", pages.risk_edit, name="edit"),
    path(ONE + "/delete/", pages.risk_delete, name="delete"),
    path(ONE + "/review/", pages.risk_review, name="review"),
    path(ONE + "/actions/", pages.action_create, name="action-create"),
    path(ONE + "/actions/<int:pk>/complete/", pages.action_complete, name="action-complete"),
    path(ONE + "/actions/<int:pk>/delete/", pages.action_delete, name="action-delete"),
]
