from django.urls import path

from accord.requirements.views import baselines, detail, listing, review, traceability

app_name = "requirements"
R = "<str:key>/requirements"
ONE = R + "/<int64:number>"

urlpatterns = [
    # listing
    path(R + "/", listing.requirement_list, name="list"),
    path(R + "/tree/", listing.requirement_tree, name="tree"),
    path(R + "/new/", listing.requirement_create, name="create"),
    path(R + "/bulk/", listing.requirement_bulk, name="bulk"),
    path(ONE + "/edit/", listing.requirement_edit, name="edit"),
    # detail
    path(ONE + "/", detail.requirement_detail, name="detail"),
    path(ONE + "/transition/", detail.requirement_transition, name="transition"),
    path(ONE + "/versions/<int64:version>/", detail.version_detail, name="version"),
    path(ONE + "/diff/", detail.version_diff, name="diff"),
    path(ONE + "/comments/", detail.comment_create, name="comment-create"),
    path(ONE + "/comments/<int64:pk>/delete/", detail.comment_delete, name="comment-delete"),
    path(ONE + "/links/", detail.link_create, name="link-create"),
    path(ONE + "/links/<int64:pk>/delete/", detail.link_delete, name="link-delete"),
    path(ONE + "/criteria/<int64:pk>/verify/", detail.criterion_verify, name="criterion-verify"),
    # review
    path(R + "/submit/", review.submit, name="submit"),
    path("<str:key>/review/", review.review, name="review"),
    path(ONE + "/confirm/", review.confirm, name="confirm"),
    path(ONE + "/return/", review.return_, name="return"),
    path(ONE + "/reject/", review.reject, name="reject"),
    # baselines
    path("<str:key>/baselines/", baselines.baseline_list, name="baselines"),
    path("<str:key>/baselines/new/", baselines.baseline_create, name="baseline-create"),
    path("<str:key>/baselines/compare/", baselines.baseline_compare_view, name="baseline-compare"),
    path("<str:key>/baselines/<int64:number>/", baselines.baseline_detail, name="baseline-detail"),
    # traceability
    path("<str:key>/traceability/", traceability.traceability, name="traceability"),
]
