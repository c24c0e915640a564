"""The data module reads CSV splits the way the model expects them and names bad rows."""

import csv
import io
from pathlib import Path

import pytest
import torch
from lightning.pytorch import Trainer
from torchvision.io import write_png

from {{ package_name }}.data import CSVDataModule
{%- if task != 'regression' %}
from {{ package_name }}.demo_data import CLASSES
{%- endif %}


def write_images(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        write_png(torch.zeros(3, 8, 8, dtype=torch.uint8), str(root / name))


def datamodule(data_dir: Path, **options: object) -> CSVDataModule:
    """A data module for small, quick batches, loading in the test's own process."""
    return CSVDataModule(
        data_dir=str(data_dir), image_size=16, batch_size=4, num_workers=0, **options
    )


def first_batch_on_the_device(data: CSVDataModule) -> tuple:
    """The first train batch as the model gets it: after the data module's batch-transfer hook."""
    data.trainer = Trainer(accelerator="cpu", logger=False)
    data.setup("fit")
    images, targets = next(iter(data.train_dataloader()))
    assert images.dtype == torch.uint8  # a quarter of the bytes of floats to load and transfer
    return data.on_after_batch_transfer((images, targets), 0)
{%- if task == 'classification' %}


@pytest.fixture
def hand_written(tmp_path: Path) -> Path:
    """CSV files as a spreadsheet saves them: a quoted path with a comma, an extra column."""
    write_images(tmp_path, "images/a, b.png", "images/c.png", "images/d.png")
    (tmp_path / "train.csv").write_text(
        'label,image,notes\ndog,"images/a, b.png",blurry\ncat,images/c.png,\n'
    )
    # With a byte-order mark and CRLF line ends, as spreadsheet programs on Windows save it.
    (tmp_path / "val.csv").write_text(
        "image,label\nimages/d.png,dog\n", encoding="utf-8-sig", newline="\r\n"
    )
    return tmp_path


def test_batches_are_normalised_images_with_class_indices(demo_data_dir: Path) -> None:
    data = datamodule(demo_data_dir)
    images, labels = first_batch_on_the_device(data)
    assert data.class_names == sorted(CLASSES)
    assert images.shape == (4, 3, 16, 16)
    assert images.dtype == torch.float32
    assert labels.dtype == torch.int64
    assert set(labels.tolist()) <= set(range(len(CLASSES)))
    assert -3 < images.mean() < 3


def test_reads_hand_written_csv_files(hand_written: Path) -> None:
    data = datamodule(hand_written)
    data.setup("fit")
    assert data.class_names == ["cat", "dog"]
    assert [path.name for path in data.train_set.paths] == ["a, b.png", "c.png"]
    assert data.train_set.targets.tolist() == [1, 0]
    assert data.val_set.targets.tolist() == [1]


def test_class_names_fix_the_order(hand_written: Path) -> None:
    data = datamodule(hand_written, class_names=["dog", "cat", "bird"])
    data.setup("fit")
    assert data.num_classes == 3
    assert data.train_set.targets.tolist() == [0, 1]


def test_numbered_classes_are_in_natural_order(hand_written: Path) -> None:
    rows = [f"images/c.png,{label}" for label in ("10", "2", "1", "class10", "class9")]
    (hand_written / "train.csv").write_text("image,label\n" + "\n".join(rows) + "\n")
    data = datamodule(hand_written)
    assert data.class_names == ["1", "2", "10", "class9", "class10"]


def test_an_unknown_class_names_its_row(hand_written: Path) -> None:
    (hand_written / "val.csv").write_text("image,label\nimages/d.png,dog\nimages/c.png,bird\n")
    with pytest.raises(ValueError, match=r"val\.csv, line 3: unknown class 'bird'"):
        datamodule(hand_written).setup("validate")
{%- elif task == 'multilabel' %}


@pytest.fixture
def hand_written(tmp_path: Path) -> Path:
    """CSV files as a spreadsheet saves them: a quoted path with a comma, an empty cell."""
    write_images(tmp_path, "images/a, b.png", "images/c.png", "images/d.png")
    (tmp_path / "train.csv").write_text('image,labels\n"images/a, b.png",dog;cat\nimages/c.png,\n')
    # With a byte-order mark and CRLF line ends, as spreadsheet programs on Windows save it.
    (tmp_path / "val.csv").write_text(
        "image,labels\nimages/d.png,dog\n", encoding="utf-8-sig", newline="\r\n"
    )
    return tmp_path


def test_batches_are_normalised_images_with_multi_hot_labels(demo_data_dir: Path) -> None:
    data = datamodule(demo_data_dir)
    images, labels = first_batch_on_the_device(data)
    assert data.class_names == sorted(CLASSES)
    assert images.shape == (4, 3, 16, 16)
    assert images.dtype == torch.float32
    assert labels.shape == (4, len(CLASSES))
    assert set(labels.flatten().tolist()) <= {0.0, 1.0}
    assert -3 < images.mean() < 3


def test_reads_hand_written_csv_files(hand_written: Path) -> None:
    data = datamodule(hand_written, label_separator=";")
    data.setup("fit")
    assert data.class_names == ["cat", "dog"]
    assert [path.name for path in data.train_set.paths] == ["a, b.png", "c.png"]
    assert data.train_set.targets.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert data.val_set.targets.tolist() == [[0.0, 1.0]]


def test_class_names_fix_the_order(hand_written: Path) -> None:
    data = datamodule(hand_written, label_separator=";", class_names=["dog", "cat", "bird"])
    data.setup("fit")
    assert data.num_classes == 3
    assert data.train_set.targets.tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]


def test_an_unknown_class_names_its_row(hand_written: Path) -> None:
    (hand_written / "val.csv").write_text("image,labels\nimages/d.png,dog\nimages/c.png,dog;bird\n")
    with pytest.raises(ValueError, match=r"val\.csv, line 3: unknown class 'bird'"):
        datamodule(hand_written, label_separator=";").setup("validate")
{%- else %}


@pytest.fixture
def hand_written(tmp_path: Path) -> Path:
    """CSV files as a spreadsheet saves them: a quoted path with a comma, numbers as text."""
    write_images(tmp_path, "images/a, b.png", "images/c.png", "images/d.png")
    (tmp_path / "train.csv").write_text(
        'weight,image,height\n2.5,"images/a, b.png",10\n-1e-1,images/c.png, 30 \n'
    )
    # With a byte-order mark and CRLF line ends, as spreadsheet programs on Windows save it.
    (tmp_path / "val.csv").write_text(
        "image,weight,height\nimages/d.png,1,20\n", encoding="utf-8-sig", newline="\r\n"
    )
    return tmp_path


def test_batches_are_normalised_images_with_float_targets(demo_data_dir: Path) -> None:
    data = datamodule(demo_data_dir)
    images, targets = first_batch_on_the_device(data)
    assert data.target_names == ["count", "area"]
    assert images.shape == (4, 3, 16, 16)
    assert images.dtype == torch.float32
    assert targets.shape == (4, 2)
    assert targets.dtype == torch.float32
    assert -3 < images.mean() < 3


def test_reads_hand_written_csv_files(hand_written: Path) -> None:
    data = datamodule(hand_written)
    data.setup("fit")
    assert data.target_names == ["weight", "height"]
    assert [path.name for path in data.train_set.paths] == ["a, b.png", "c.png"]
    assert torch.allclose(data.train_set.targets, torch.tensor([[2.5, 10.0], [-0.1, 30.0]]))
    assert data.val_set.targets.tolist() == [[1.0, 20.0]]
    assert torch.allclose(data.target_mean, torch.tensor([1.2, 20.0]))
    assert torch.allclose(data.target_std, torch.tensor([1.3, 10.0]))


def test_target_columns_pick_and_order_the_targets(hand_written: Path) -> None:
    data = datamodule(hand_written, target_columns=["height"])
    data.setup("fit")
    assert data.num_targets == 1
    assert data.train_set.targets.tolist() == [[10.0], [30.0]]


def test_a_non_numeric_target_names_its_row(hand_written: Path) -> None:
    (hand_written / "val.csv").write_text("image,weight,height\nimages/d.png,1,tall\n")
    data = datamodule(hand_written)
    with pytest.raises(ValueError, match=r"val\.csv, line 2: height is 'tall', not a number"):
        data.setup("validate")
{%- endif %}


def test_a_missing_image_names_its_row(hand_written: Path) -> None:
    (hand_written / "images" / "c.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"train\.csv, line 3: image 'images/c\.png'"):
        datamodule(hand_written).setup("fit")


@pytest.mark.parametrize("where", ["../outside.png", "absolute"])
def test_an_image_path_out_of_data_dir_needs_allow_outside_paths(
    hand_written: Path, where: str
) -> None:
    outside = hand_written.parent / "outside.png"
    write_images(hand_written.parent, outside.name)
    path = str(outside) if where == "absolute" else where
    train_file = hand_written / "train.csv"
    train_file.write_text(train_file.read_text().replace("images/c.png", path))
{%- if task == 'multilabel' %}
    options = {"label_separator": ";"}
{%- else %}
    options = {}
{%- endif %}
    with pytest.raises(ValueError, match=r"outside\.png resolves to .*, outside the dataset"):
        datamodule(hand_written, **options).setup("fit")
    allowed = datamodule(hand_written, allow_outside_paths=True, **options)
    allowed.setup("fit")
    assert outside.resolve() in [image.resolve() for image in allowed.train_set.paths]


def test_a_row_with_more_cells_than_columns_is_named(hand_written: Path) -> None:
    with (hand_written / "val.csv").open("a") as file:
        file.write("images/d.png,1,2,3,4\n")
    with pytest.raises(ValueError, match=r"val\.csv, line 3: more cells than the header"):
        datamodule(hand_written).setup("validate")


def test_semicolons_and_windows_1252_read_as_commas_and_utf_8(
    hand_written: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A CSV as Excel saves it where the comma is the decimal mark: ';' between cells, and
    Windows-1252 text (here in an image's name)."""
{%- if task == 'multilabel' %}
    options = {"label_separator": ";"}
{%- else %}
    options = {}
{%- endif %}
    before = datamodule(hand_written, **options)
    before.setup("validate")
    val_file = hand_written / "val.csv"
    rows = list(csv.reader(io.StringIO(val_file.read_text(encoding="utf-8-sig"))))
    (hand_written / "images" / "d.png").rename(hand_written / "images" / "déjà.png")
    renamed = [[cell.replace("images/d.png", "images/déjà.png") for cell in row] for row in rows]
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows(renamed)
    val_file.write_bytes(text.getvalue().encode("cp1252"))
    after = datamodule(hand_written, **options)
    after.setup("validate")
    assert [path.name for path in after.val_set.paths] == ["déjà.png"]
    assert after.val_set.targets.tolist() == before.val_set.targets.tolist()
    assert "val.csv is not UTF-8; read as Windows-1252" in caplog.text


def test_a_csv_in_no_known_encoding_is_named(hand_written: Path) -> None:
    (hand_written / "val.csv").write_bytes(b"image,label\nimages/d\x81.png,dog\n")
    with pytest.raises(ValueError, match=r"val\.csv is not UTF-8 text \(byte 20: .*\)"):
        datamodule(hand_written).setup("validate")


def test_a_missing_column_is_named(hand_written: Path) -> None:
    with pytest.raises(ValueError, match=r"train\.csv has no column 'picture'"):
        datamodule(hand_written, image_column="picture").setup("fit")


def test_a_csv_without_rows_is_named(hand_written: Path) -> None:
    header = (hand_written / "val.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (hand_written / "val.csv").write_text(f"{header}\n")
    with pytest.raises(ValueError, match=r"val\.csv lists no images"):
        datamodule(hand_written).setup("validate")


def test_an_unreadable_image_fails_by_name_or_is_skipped(hand_written: Path) -> None:
    (hand_written / "images" / "c.png").write_text("not an image")
{%- if task == 'multilabel' %}
    data = datamodule(hand_written, label_separator=";")
{%- else %}
    data = datamodule(hand_written)
{%- endif %}
    data.setup("fit")
    with pytest.raises(ValueError, match=r"c\.png cannot be read as an image"):
        next(iter(data.train_dataloader()))
    data.skip_bad_samples = True
    images, _ = next(iter(data.train_dataloader()))
    assert images.shape == (2, 3, 16, 16)  # "a, b.png" stands in for c.png


def test_predict_defaults_to_the_images_val_csv_lists(hand_written: Path) -> None:
    data = datamodule(hand_written)
    data.setup("predict")
    images, paths = next(iter(data.predict_dataloader()))
    assert images.shape == (1, 3, 16, 16)
    assert list(paths) == [str(hand_written / "images" / "d.png")]


def test_missing_data_dir_says_how_to_write_demo_data(tmp_path: Path) -> None:
    data = datamodule(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="demo_data"):
{%- if task == 'regression' %}
        _ = data.num_targets
{%- else %}
        _ = data.num_classes
{%- endif %}
