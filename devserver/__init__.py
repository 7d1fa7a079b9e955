"""`make run`: the whole system on one laptop — every service's API and worker, an embedded
Redis, a local SMTP sink and some demo content. Development only; never imported by services."""
