from django.urls import path

from accord.risks.views import pages, problems

app_name = "risks"
K = "<str:key>/risks"
ONE = K + "/<int64:number>"
P = "<str:key>/problems"
P_ONE = P + "/<int64:number>"

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
    path(ONE + "/actions/<int64:pk>/complete/", pages.action_complete, name="action-complete"),
    path(ONE + "/actions/<int64:pk>/delete/", pages.action_delete, name="action-delete"),
    path(ONE + "/occurred/", problems.problem_from_risk, name="problem-from-risk"),
    # problems
    path(P + "/", problems.problem_list, name="problems"),
    path(P + "/new/", problems.problem_create, name="problem-create"),
    path(P_ONE + "/", problems.problem_detail, name="problem-detail"),
    path(P_ONE + "/edit/", problems.problem_edit, name="problem-edit"),
    path(P_ONE + "/delete/", problems.problem_delete, name="problem-delete"),
]
