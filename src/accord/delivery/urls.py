from django.urls import path

from accord.delivery import insights_urls
from accord.delivery.views import board, tasks

app_name = "delivery"
K = "<str:key>/tasks"
ONE = K + "/<int64:number>"

urlpatterns: list = [
    # pages
    path(K + "/", tasks.task_list, name="list"),
    path(K + "/board/", board.board, name="board"),
    path(K + "/board/limits/", board.wip_limits, name="wip"),
    path(K + "/new/", tasks.task_create, name="create"),
    path(K + "/bulk/", tasks.task_bulk, name="bulk"),
    path(ONE + "/", tasks.task_detail, name="detail"),
    path(ONE + "/edit/", tasks.task_edit, name="edit"),
    path(ONE + "/delete/", tasks.task_delete, name="delete"),
    path(ONE + "/move/", board.task_move, name="move"),
    path(ONE + "/checklist/", tasks.checklist_add, name="checklist-add"),
    path(ONE + "/checklist/<int64:pk>/toggle/", tasks.checklist_toggle, name="checklist-toggle"),
    path(ONE + "/checklist/<int64:pk>/delete/", tasks.checklist_delete, name="checklist-delete"),
    path(ONE + "/time/", tasks.time_create, name="time-create"),
    path(ONE + "/time/<int64:pk>/delete/", tasks.time_delete, name="time-delete"),
    # progress, burn-up, workload (src/accord/delivery/insights_urls.py)
    *insights_urls.urlpatterns,
]
