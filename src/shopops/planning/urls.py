from django.urls import path

from shopops.planning import views

app_name = "planning"
urlpatterns = [
    path("goals/", views.goal_list, name="goals"),
    path("goals/<int:goal_id>/", views.goal_detail, name="goal"),
    path("plans/", views.task_list, name="tasks"),
    path("plans/gantt/", views.task_gantt, name="gantt"),
    path("plans/resources/", views.task_resources, name="resources"),
    path("plans/logs/", views.logs, name="logs"),
    path("plans/sops/", views.sop_list, name="sops"),
    path("plans/sops/<int:sop_id>/", views.sop_detail, name="sop"),
    path("plans/risks/", views.risk_list, name="risks"),
    path("plans/<int:task_id>/", views.task_detail, name="task"),
]
