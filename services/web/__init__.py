"""The web frontend: the pages a person opens, built only on the other services' public APIs."""
