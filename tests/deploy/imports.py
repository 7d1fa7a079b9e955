"""Reading a module's imports from its source, for the tests that check who imports whom."""

import ast


def imports(source: str, module: str) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in `source`, the text of `module` (a dotted name
    such as "services.posts.api"); `from a import b` gives "a.b" too, since `b` may be a
    module."""
    package = module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            origin = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, origin))
            found += [(node.lineno, f"{origin}.{alias.name}") for alias in node.names]
    return found
