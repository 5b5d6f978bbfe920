"""« Lire la vidéo ici » in a real browser: nothing is asked of the video's site until
the click, which creates the player's frame (with the derived, privacy-enhanced address)."""

import pytest

from carto.actors.models import Initiative
from carto.agenda import models as agenda

from .conftest import _local

pytestmark = pytest.mark.django_db

AUTHOR = '<img src=x onerror="window.__pwned=1">Jeune réalisatrice'


@pytest.fixture(scope="module")
def testimony(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        agenda.Testimony.objects.filter(author=AUTHOR).delete()
        shown = Initiative.objects.listed().exclude(limits="").order_by("id").first()
        made = agenda.Testimony.objects.create(
            initiative=shown, author=AUTHOR, text="Notre film du festival.",
            video_url="https://youtu.be/dQw4w9WgXcQ", status="published",
        )  # fmt: skip
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            agenda.Testimony.objects.filter(author=AUTHOR).delete()


def test_player_loads_only_after_the_click(open_page, api_server, testimony, artifacts):
    page, console = open_page("")
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(api_server + "/experiences/")
    page.wait_for_load_state("networkidle")
    assert page.locator("iframe").count() == 0
    assert [url for url in asked if not _local(url)] == []  # the video's site not asked
    footer = page.locator("blockquote footer").filter(has_text="Jeune réalisatrice").first
    assert footer.text_content().startswith("— " + AUTHOR)  # the name as text
    footer.locator("button.video-lire").click()
    frame = page.locator("iframe.video-lecteur")
    frame.wait_for(state="attached")
    assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert frame.get_attribute("title") == AUTHOR
    assert footer.locator("a").get_attribute("href") == "https://youtu.be/dQw4w9WgXcQ"
    page.screenshot(path=artifacts / "experiences-video.png", full_page=True)
    assert page.evaluate("window.__pwned") is None
    assert console.errors == []
