"""Editors managed by editors over HTTP (`/api/posts/editors`): only an editor with the right,
and every change reaches the comments service as the command line's do (`editor.*` events)."""

import subprocess
import sys
import uuid
from pathlib import Path

from services.posts.editors import create_editor
from tests.conftest import Stack, wait_for
from tests.databases import as_json
from tests.posts.helpers import as_editor, cli_editor
from tests.posts.inprocess import posts_api


def nic(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def moderates(stack: Stack, token: str) -> int:
    """What the comments service answers this token on an editors-only read."""
    return stack.client("comments", headers={"Authorization": f"Bearer {token}"}).get(
        "/moderation/waiting").status_code


def test_the_cli_flag_gives_the_right(stack: Stack) -> None:
    admin = as_editor(stack, cli_editor(stack, nic("Admin"), admin=True))
    plain = as_editor(stack, cli_editor(stack, nic("Plain")))
    assert admin.get("/editors/me").json()["can_manage_editors"] is True
    assert plain.get("/editors/me").json()["can_manage_editors"] is False


def test_only_an_editor_with_the_right_manages_editors(stack: Stack) -> None:
    before = stack.sql("posts", "SELECT nic, version FROM editor ORDER BY nic")
    for client, status in ((stack.editor(), 403), (stack.client("posts"), 401)):
        assert client.get("/editors").status_code == status
        assert client.post("/editors", json={"nic": nic("Sneaky")}).status_code == status
        assert client.post("/editors/Tester/rotate").status_code == status
        assert client.post("/editors/Tester/revoke").status_code == status
    assert stack.sql("posts", "SELECT nic, version FROM editor ORDER BY nic") == before


def test_a_new_editor_rotated_and_revoked_reaches_the_comments_service(stack: Stack) -> None:
    admin = as_editor(stack, cli_editor(stack, nic("Admin"), admin=True))
    name = nic("Frank G")
    created = admin.post("/editors", json={"nic": f" {name} "})
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    first = created.json()
    assert first["nic"] == name and first["can_manage_editors"] is False
    assert as_editor(stack, first["token"]).get("/editors/me").json()["nic"] == name
    wait_for(lambda: moderates(stack, first["token"]) == 200, what="comments to know the token")
    listed = {e["nic"]: e for e in admin.get("/editors").json()}
    assert listed[name]["revoked_at"] is None and listed[name]["created_at"]
    assert "token" not in str(listed) and "hash" not in str(listed)

    rotated = admin.post(f"/editors/{name}/rotate")
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    second = rotated.json()["token"]
    assert second != first["token"]
    assert as_editor(stack, first["token"]).get("/editors/me").status_code == 401
    wait_for(lambda: moderates(stack, second) == 200, what="comments to know the new token")
    assert moderates(stack, first["token"]) == 401

    revoked = admin.post(f"/editors/{name}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert as_editor(stack, second).get("/editors/me").status_code == 401
    wait_for(lambda: moderates(stack, second) == 401, what="comments to refuse the token")
    kinds = [t for t, raw in stack.sql("posts", "SELECT type, envelope FROM outbox ORDER BY seq")
             if as_json(raw)["data"].get("nic") == name]
    assert kinds == ["editor.authorized", "editor.authorized", "editor.revoked"]


def test_bad_requests_are_refused_and_change_nothing(stack: Stack) -> None:
    admin = as_editor(stack, cli_editor(stack, nic("Admin"), admin=True))
    name = nic("Procopius2k")
    assert admin.post("/editors", json={"nic": name, "can_manage_editors": True}
                      ).json()["can_manage_editors"] is True
    before = stack.sql("posts", "SELECT nic, version, token_hash FROM editor ORDER BY nic")
    duplicate = admin.post("/editors", json={"nic": name})
    assert duplicate.status_code == 409 and name in duplicate.json()["detail"]
    for bad in ("", "   ", "two\nlines", "x" * 41):
        response = admin.post("/editors", json={"nic": bad})
        assert response.status_code == 422 and "nic" in response.json()["detail"], bad
    assert admin.post("/editors/a%09tab/rotate").status_code == 422
    for action in ("rotate", "revoke"):
        unknown = admin.post(f"/editors/{nic('Nobody')}/{action}")
        assert unknown.status_code == 404 and "no editor" in unknown.json()["detail"]
    assert admin.post("/editors", content=b"{", headers={
        "Content-Type": "application/json"}).status_code == 422
    assert stack.sql("posts", "SELECT nic, version, token_hash FROM editor ORDER BY nic") == before


def test_the_right_is_given_and_taken(stack: Stack) -> None:
    admin = as_editor(stack, cli_editor(stack, nic("Admin"), admin=True))
    name = nic("Helper")
    helper = as_editor(stack, cli_editor(stack, name))
    assert helper.get("/editors").status_code == 403
    assert helper.post(f"/editors/{name}/right", json={"can_manage_editors": True}
                       ).status_code == 403  # not their own to give
    given = admin.post(f"/editors/{name}/right", json={"can_manage_editors": True})
    assert given.status_code == 200 and given.json()["can_manage_editors"] is True
    assert helper.get("/editors").status_code == 200
    taken = helper.post(f"/editors/{name}/right", json={"can_manage_editors": False})
    assert taken.status_code == 200 and taken.json()["can_manage_editors"] is False
    assert helper.get("/editors").status_code == 403  # the same token, without the right
    before = stack.sql("posts", "SELECT nic, can_manage_editors FROM editor ORDER BY nic")
    for path, body, status in ((f"/editors/{name}/right", {}, 422),
                               (f"/editors/{name}/right", {"can_manage_editors": "maybe"}, 422),
                               ("/editors/Nobody at all/right", {"can_manage_editors": True}, 404)):
        assert admin.post(path, json=body).status_code == status, (path, body)
    assert stack.sql("posts", "SELECT nic, can_manage_editors FROM editor ORDER BY nic") == before


def test_the_cli_gives_and_takes_the_right(stack: Stack) -> None:
    name = nic("Deputy")
    deputy = as_editor(stack, cli_editor(stack, name))

    def right(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "services.posts.cli", "editor-right", *args],
                              env=stack.env, capture_output=True, text=True)

    assert right(name, "--give").returncode == 0
    assert deputy.get("/editors/me").json()["can_manage_editors"] is True
    assert right(name, "--take").returncode == 0
    assert deputy.get("/editors/me").json()["can_manage_editors"] is False
    unknown = right("Nobody at all", "--give")
    assert unknown.returncode == 1 and "no editor" in unknown.stderr
    assert right(name).returncode == 2  # --give or --take, one of them


def test_an_editor_may_revoke_themselves_while_another_has_the_right(stack: Stack) -> None:
    name = nic("Leaving")
    leaving = as_editor(stack, cli_editor(stack, name, admin=True))
    assert leaving.post(f"/editors/{name}/revoke").status_code == 200
    assert leaving.get("/editors").status_code == 401


def test_the_last_editor_with_the_right_cannot_revoke_themselves(
        tmp_path: Path, in_process_redis_url: str) -> None:
    with posts_api(tmp_path, in_process_redis_url) as api:  # a migrated database of its own
        with api.service.runtime.sessions() as session:
            token = create_editor(session=session, outbox=api.service.runtime.outbox,
                                  nic="Steve White", can_manage_editors=True)
        admin = api.client()
        admin.headers["Authorization"] = f"Bearer {token}"
        last = admin.post("/editors/Steve White/revoke")
        assert last.status_code == 409 and "last editor" in last.json()["detail"]
        kept = admin.post("/editors/Steve White/right", json={"can_manage_editors": False})
        assert kept.status_code == 409 and "last editor" in kept.json()["detail"]
        assert admin.get("/editors/me").json()["can_manage_editors"] is True
        assert admin.post("/editors", json={"nic": "Frank G", "can_manage_editors": True}
                          ).status_code == 201
        assert admin.post("/editors/Ed/revoke").status_code == 200  # another: no matter
        assert admin.post("/editors/Steve White/revoke").status_code == 200
        assert admin.get("/editors").status_code == 401
