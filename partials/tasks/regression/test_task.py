"""This task's own pieces: which validation images the report shows."""

from {{ package_name }}.plots import spread_over


def test_the_predictions_come_from_across_the_validation_set() -> None:
    assert spread_over(100, 4) == [0, 25, 50, 75]
    assert spread_over(3, 16) == [0, 1, 2]
