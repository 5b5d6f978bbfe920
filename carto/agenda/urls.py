from django.urls import path

from . import propose, views

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("proposer/", propose.propose, name="agenda-propose"),
    path("savoirs/", views.skills, name="agenda-skills"),
    path("savoirs/<int:pk>/", views.skill_page, name="agenda-skill"),
    path("evenements/<int:pk>/", views.event_page, name="agenda-event"),
    path("seances/<int:pk>.ics", views.session_ics, name="agenda-session-ics"),
    path("seances/<int:pk>/inscription", views.register, name="agenda-register"),
    path("seances/<int:pk>/participants/", views.participants, name="agenda-participants"),
    path("inscriptions/<str:token>/", views.registration_page, name="agenda-registration"),
]
