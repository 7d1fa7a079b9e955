"""The comments API's routes for a commenter's own comments in their edit window (own.py):
what the site shows Edit and Delete beside, and what its edit form starts from. Changing
and deleting are the comment's own routes (`PATCH`/`DELETE /comments/{id}`)."""

from typing import Annotated

from fastapi import APIRouter, Query

from services.comments import own
from services.comments.deps import CommenterTokenDep, SettingsDep
from services.comments.own import OwnComment, OwnComments
from shared.api import MAX_ID, Id, SessionDep

router = APIRouter(prefix="/api/comments")
OneArticle = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/commenters/me/comments", response_model=OwnComments)
def own_comments(session: SessionDep, settings: SettingsDep, token: CommenterTokenDep = None,
                 article_id: OneArticle = None):
    """The token holder's comments they may still change (within the edit window), on one
    article or all, each with `editable_until`, the markup as typed, and `can_edit`."""
    return own.own_comments(session=session, settings=settings, token=token,
                            article_id=article_id)


@router.get("/commenters/me/comments/{comment_id}", response_model=OwnComment)
def own_comment(comment_id: Id, session: SessionDep, settings: SettingsDep,
                token: CommenterTokenDep = None):
    """One of them: 401 without a valid token, 404 for a comment not on the site, 403 for
    another's or one whose edit window has passed."""
    return own.own_comment(session=session, settings=settings, token=token,
                           comment_id=comment_id)
