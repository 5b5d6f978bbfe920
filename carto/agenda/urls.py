from django.urls import path

from . import propose, tour_views, views

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("proposer/", propose.propose, name="agenda-propose"),
    path("tournee/", tour_views.publish, name="agenda-tour"),
    path("tournee/merci/", tour_views.thanks, name="agenda-tour-thanks"),
    path("savoirs/", views.skills, name="agenda-skills"),
    path("savoirs/<int:pk>/", views.skill_page, name="agenda-skill"),
    path("evenements/<int:pk>/", views.event_page, name="agenda-event"),
    path("seances/<int:pk>.ics", views.session_ics, name="agenda-session-ics"),
    path("seances/<int:pk>/inscription", views.register, name="agenda-register"),
    path("seances/<int:pk>/participants/", views.participants, name="agenda-participants"),
    path("inscriptions/<str:token>/", views.registration_page, name="agenda-registration"),
]
