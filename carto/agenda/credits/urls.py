from django.urls import path

from . import pages, referents, views

app_name = "credits"

EXCHANGE = "credits/echanges/<slug:slug>/"

urlpatterns = [
    path("credits/comptes/<int:pk>/releve.csv", views.statement_csv, name="statement-csv"),
    path(EXCHANGE, pages.exchange_page, name="exchange"),
    path(f"{EXCHANGE}benevolat/", pages.my_claims, name="my-claims"),
    path(f"{EXCHANGE}themes/", referents.themes, name="themes"),
    path(f"{EXCHANGE}themes/<int:pk>/en-ligne/", referents.theme_online, name="theme-online"),
    path(f"{EXCHANGE}benevolat/a-valider/", referents.claims_to_decide, name="claims-to-decide"),
    path(f"{EXCHANGE}benevolat/<int:pk>/valider/", referents.validate_claim, name="validate-claim"),
    path(f"{EXCHANGE}benevolat/<int:pk>/refuser/", referents.refuse_claim, name="refuse-claim"),
    path(f"{EXCHANGE}regles/", referents.rules, name="rules"),
]
