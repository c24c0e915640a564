"""No template may write into a git folder: hooks and config there run code on the next commit.

Copier keeps rendered paths inside the destination, but leaves ``.git`` out only for templates
without a ``_subdirectory``; a template could plant ``.git/hooks/post-commit``. Both ``scaffold
new`` and ``scaffold update`` render inside ``guarded``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaffolder.errors import BadInputError


@contextmanager
def guarded(tree: Path, source: str) -> Iterator[None]:
    """Refuse a rendering into ``tree`` that made a ``.git`` folder or changed the one it had."""
    before = _git_contents(tree)
    yield
    after = _git_contents(tree)
    planted = [name for name in {*before, *after} if before.get(name) != after.get(name)]
    if planted:
        deepest = max(planted, key=lambda name: (name.count("/"), name))
        raise BadInputError(
            f"The template {source} writes {deepest} into git's own folder, where it would run "
            "as a hook or setting; scaffold refused it and changed nothing."
        )


def _git_contents(tree: Path) -> dict[str, bytes]:
    """Every ``.git`` below ``tree``, and the hooks and config of the one at its top."""
    contents = {path.relative_to(tree).as_posix(): b"" for path in tree.rglob(".git")}
    top = tree / ".git"
    for file in [top / "config", *(top / "hooks").rglob("*")]:
        if file.is_file():
            contents[file.relative_to(tree).as_posix()] = file.read_bytes()
    return contents
