"""The comments API, under `/api/comments`."""

from fastapi import APIRouter

from services.comments import commenting
from services.comments.bootstrap import runtime, settings
from services.comments.deps import CommenterTokenDep, SessionDep
from services.comments.models import CommentCreate, CommentPosted, CommentPublic, ThreadPublic
from shared.api import Id, create_app

router = APIRouter(prefix="/api/comments")


@router.post("/articles/{article_id}/comments", response_model=CommentPosted, status_code=201)
def post_comment(article_id: Id, data: CommentCreate, session: SessionDep,
                 token: CommenterTokenDep = None):
    """Post a comment or a reply; a first-time commenter gets their commenter token back."""
    comment, new_token = commenting.post_comment(
        session=session, outbox=runtime.outbox, article_id=article_id, data=data, token=token)
    return CommentPosted(comment=CommentPublic.model_validate(comment), commenter_token=new_token)


@router.get("/articles/{article_id}/comments", response_model=ThreadPublic)
def get_thread(article_id: Id, session: SessionDep):
    """An article's comments in thread order, and whether the thread is open."""
    return commenting.get_thread(session=session, article_id=article_id)


@router.get("/comments/{comment_id}", response_model=CommentPublic)
def get_comment(comment_id: Id, session: SessionDep):
    """One comment."""
    return commenting.get_comment(session=session, comment_id=comment_id)


app = create_app(title="Burg comments", description="Threaded comments under articles.",
                 max_body_bytes=settings.max_body_bytes)
app.include_router(router)
