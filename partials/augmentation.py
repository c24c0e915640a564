def default_augmentation() -> list[v2.Transform]:
    """What suits natural images, whatever the task: a random horizontal flip."""
    return [v2.RandomHorizontalFlip()]


def build_augmentation(entries: list[str | dict[str, Any]]) -> list[v2.Transform]:
    """The transforms that ``data.augment`` lists, each a ``class_path`` with ``init_args`` (or
    just the class, without arguments): a class of ``torchvision.transforms.v2`` by its name
    (``RandomRotation``) or full path, or any v2 transform by its module path
    (``my_project.transforms.Cutout``).

    Built here rather than by the command line's parser, so that the run's saved config.yaml
    holds them as they were written, whatever types their arguments take.
    """
    transforms = []
    for index, entry in enumerate(entries):
        where = f"data.augment[{index}]"
        if isinstance(entry, str):
            entry = {"class_path": entry}
        if not isinstance(entry, dict) or "class_path" not in entry:
            raise ValueError(
                f"{where} is {entry!r}; each entry names a class_path (a torchvision.transforms.v2 "
                "class such as RandomRotation), with its init_args if it needs any."
            )
        transform_class = find_transform(str(entry["class_path"]), where)
        init_args = entry.get("init_args") or {}
        try:
            transforms.append(transform_class(**init_args))
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{where}: {transform_class.__name__}({init_args}) fails: {error}."
            ) from None
    return transforms


def find_transform(class_path: str, where: str) -> type[v2.Transform]:
    """The v2 transform class ``class_path`` names; ValueError with the close names if none."""
    module_name, _, name = class_path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name or v2.__name__), name, None)
    except ImportError:
        found = None
    if isinstance(found, type) and issubclass(found, v2.Transform):
        return found
    names = [known for known in dir(v2) if isinstance(getattr(v2, known), type)]
    close = difflib.get_close_matches(name, names, n=3)
    suggestion = f"; did you mean {' or '.join(close)}?" if close else "."
    raise ValueError(f"{where}: {class_path} is not a torchvision v2 transform{suggestion}")