"""This task's own pieces: which validation images the report shows."""

from {{ package_name }}.plots import every_class_in_turn


def test_the_predictions_show_every_class_in_turn() -> None:
    # Sorted by class, as ImageFolder lists its images.
    assert every_class_in_turn([0, 0, 0, 1, 1, 2], 5) == [0, 3, 5, 1, 4]
    assert every_class_in_turn([0, 1], 16) == [0, 1]
