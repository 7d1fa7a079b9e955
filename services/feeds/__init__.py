"""The feeds service: RSS and Atom documents, rendered when content changes."""
