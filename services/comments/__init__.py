"""The comments service: threads of comments, their commenters and nics."""
