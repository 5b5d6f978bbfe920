"""Routes of this part of the contributions (see its views)."""

urlpatterns: list = []
