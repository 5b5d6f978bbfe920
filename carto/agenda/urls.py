from django.urls import path

from . import people_views, propose, tour_views, views

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
    path("moi/", people_views.space, name="agenda-me"),
    path("moi/connexion/", people_views.sign_in, name="agenda-sign-in"),
    path("moi/connexion/<str:token>/", people_views.sign_in_link, name="agenda-sign-in-link"),
    path("moi/deconnexion/", people_views.sign_out, name="agenda-sign-out"),
    path("moi/profil/", people_views.profile, name="agenda-me-profile"),
    path("moi/savoirs/<str:direction>/", people_views.add_skill, name="agenda-me-skill"),
    path("moi/savoirs/<int:pk>/retirer/", people_views.withdraw_skill, name="agenda-me-withdraw"),
    path(
        "moi/inscriptions/<int:pk>/annuler/",
        people_views.cancel_registration,
        name="agenda-me-cancel",
    ),
    path("moi/comptes/<int:pk>/", people_views.account, name="agenda-me-account"),
    path("moi/effacer/", people_views.erase, name="agenda-me-erase"),
]
