from django.urls import path

from . import views

app_name = "credits"

urlpatterns = [
    path("credits/comptes/<int:pk>/releve.csv", views.statement_csv, name="statement-csv"),
]
