"""The notify service: reply subscriptions and the e-mails they lead to."""
