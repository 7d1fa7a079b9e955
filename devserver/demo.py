"""Demo content for a new local site: an editor, two categories, three articles, a short
thread with a reply e-mail. All text written for Burg."""

import subprocess
import sys
import time

import httpx

from devserver.processes import DevSettings

EDITOR = "Steve White"

CATEGORIES = [
    {"name": "Home Front", "description": "What happens at home while the world argues."},
    {"name": "Science & Space", "description": "Rockets, reactors and the people who build them."},
]

ARTICLES = [
    {
        "category": "science-space",
        "title": "Town council approves a rooftop observatory on the old grain silo",
        "source_name": "The Millbrook Courier", "source_url": "https://example.org/courier/silo",
        "source_note": "Excerpted, edited.",
        "body": "[quote][b]MILLBROOK[/b] — The council voted 5 to 2 on Tuesday to let the "
                "astronomy club put a small dome on the disused grain silo by the river. "
                "[ed]Five to two. The two wanted a car park.[/ed]\n\n"
                "The club will pay for the dome itself and open it to schools on Fridays, "
                "weather permitting. [ed]In Millbrook, that means twice a year.[/ed][/quote]\n\n"
                "A town that looks up now and then argues less about parking. The club's plans: "
                "https://example.org/astro/silo-dome",
    },
    {
        "category": "home-front",
        "title": "Ferry line returns after a winter of repairs",
        "source_name": "Harbour Weekly", "source_url": "https://example.org/harbour/ferry",
        "source_note": "Direct quote, edited for length.",
        "body": "[quote]The blue ferry is back on the morning run, three months late and, the "
                "operator says, with engines that will last twenty years. "
                "[ed]We will hold them to that.[/ed]\n\n"
                "[*] Crossings every forty minutes from six in the morning\n"
                "[*] Bicycles free until the end of May[/quote]\n\n"
                "And the coffee on board is, we are told, [i]unchanged[/i].",
    },
    {
        "category": "home-front",
        "title": "Library extends opening hours through the exam season",
        "source_name": "Millbrook Courier", "source_url": "https://example.org/courier/library",
        "source_note": "Excerpted.",
        "body": "[quote]The central library will stay open until ten in the evening from May "
                "until the end of June. [ed]Quiet rooms and free heating: the oldest study aids "
                "there are.[/ed][/quote]",
    },
]


def load_demo(settings: DevSettings, env: dict[str, str]) -> str:
    """Create the demo editor (a fresh token every run; they may manage editors) and, on an
    empty site, the content."""
    token = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "services.posts.cli", "create-editor", EDITOR, "--rotate",
         "--admin"],
        env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    editor = {"Authorization": f"Bearer {token}"}
    posts = httpx.Client(base_url=f"{settings.posts_url}/api/posts", headers=editor)
    if posts.get("/categories").json():
        return token
    for category in CATEGORIES:
        posts.post("/categories", json=category).raise_for_status()
    ids = []
    for article in ARTICLES:
        created = posts.post("/articles", json=article).raise_for_status().json()
        posts.post(f"/articles/{created['id']}/publish").raise_for_status()
        ids.append(int(created["id"]))
    _demo_thread(settings, ids[0])
    return token


def _demo_thread(settings: DevSettings, article_id: int) -> None:
    """Two readers argue; the first asked for reply e-mails, so the sink gets one."""
    comments = httpx.Client(base_url=f"{settings.comments_url}/api/comments")
    url = f"/articles/{article_id}/comments"
    for _ in range(600):  # the comments service learns of the article through an event
        if comments.get(url).status_code == 200:
            break
        time.sleep(0.1)
    first = comments.post(url, json={
        "nic": "Frank G", "email": "frank@example.org", "notify_replies": True,
        "body": "Twenty years ago they promised us a planetarium. A dome on a silo is a start.",
    }).raise_for_status().json()
    comments.post(url, json={
        "nic": "Procopius2k", "parent_id": first["comment"]["id"],
        "body": "A start with a view of the river, Frank. I will bring the thermos.",
    }).raise_for_status()
