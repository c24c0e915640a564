"""``scaffold new --from-data``: a dataset's files give the answers, and the project reads it."""

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml
from PIL import Image

from scaffolder.errors import BadInputError
from scaffolder.from_data import recognise
from tests.helpers import git, run

SCAFFOLD = str(Path(sys.executable).parent / "scaffold")


def write_images(folder: Path, count: int, size: tuple[int, int] = (150, 100)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{index}.png" for index in range(count)]
    for path in paths:  # each of its own colour: no two files alike
        red, green, blue = zlib.crc32(str(path).encode()).to_bytes(4, "big")[:3]
        Image.new("RGB", size, (red, green, blue)).save(path)
    return paths


def class_folders(root: Path) -> Path:
    for split in ("train", "val"):
        for name in ("cat", "dog"):
            write_images(root / split / name, 3, size=(40, 48))
    write_images(root / "train" / ".ipynb_checkpoints", 1)  # not a class
    return root


def test_class_folders(tmp_path: Path) -> None:
    found = recognise(class_folders(tmp_path))
    assert found.answers == {"task": "classification", "dataset_layout": "imagefolder"}
    assert found.classes == ("cat", "dog")
    assert found.image_size == 32  # the short side, 40 pixels, reaches 32 but not 64


@pytest.mark.parametrize(
    ("header", "task"),
    [
        ("image,label", "classification"),
        ("image,labels", "multilabel"),
        ("image,count", "regression"),
    ],
)
def test_csv_tasks_follow_the_columns(tmp_path: Path, header: str, task: str) -> None:
    write_images(tmp_path / "images", 2)
    (tmp_path / "train.csv").write_text(f"{header}\nimages/0.png,1\nimages/1.png,2\n")
    found = recognise(tmp_path)
    assert found.answers == {"task": task, "dataset_layout": "csv"}
    assert found.image_size == 96  # 100 pixels high


def test_a_semicolon_csv_is_read_as_the_projects_read_it(tmp_path: Path) -> None:
    write_images(tmp_path / "images", 1)
    (tmp_path / "train.csv").write_text("image;label\nimages/0.png;cat\n")
    found = recognise(tmp_path)
    assert found.answers == {"task": "classification", "dataset_layout": "csv"}
    assert found.image_size == 96


def test_mask_folders_with_their_class_file(tmp_path: Path) -> None:
    write_images(tmp_path / "train" / "images", 2, size=(300, 260))
    write_images(tmp_path / "train" / "masks", 2, size=(300, 260))
    (tmp_path / "classes.txt").write_text("background\nroad\n")
    found = recognise(tmp_path)
    assert found.answers == {"task": "segmentation", "dataset_layout": "mask_folders"}
    assert found.classes == ("background", "road")
    assert found.image_size == 224


def test_coco_names_its_categories_and_its_masks(tmp_path: Path) -> None:
    (tmp_path / "annotations").mkdir()
    coco = {
        "images": [],
        "annotations": [{"id": 1, "segmentation": [[0, 0, 5, 0, 5, 5]]}],
        "categories": [{"id": 9, "name": "car"}, {"id": 2, "name": "bike"}],
    }
    (tmp_path / "annotations" / "train.json").write_text(json.dumps(coco))
    found = recognise(tmp_path)
    assert found.answers == {"task": "detection", "dataset_layout": "coco"}
    assert found.classes == ("bike", "car") and found.image_size is None
    assert "task=instance_segmentation" in found.evidence


def test_yolo_data_yaml(tmp_path: Path) -> None:
    write_images(tmp_path / "images" / "train", 1)
    (tmp_path / "data.yaml").write_text("train: images/train\nnames: {0: person, 1: car}\n")
    found = recognise(tmp_path)
    assert found.answers == {"task": "detection", "dataset_layout": "yolo"}
    assert found.classes == ("person", "car")


def test_what_cannot_be_recognised_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"holds no dataset layout scaffold knows; it looked"):
        recognise(tmp_path)
    with pytest.raises(BadInputError, match=r"is not a folder"):
        recognise(tmp_path / "missing")
    (tmp_path / "train.csv").write_text("path,label\na.png,cat\n")
    with pytest.raises(BadInputError, match=r"train\.csv has no `image` column \(its header is"):
        recognise(tmp_path)
    (tmp_path / "train.csv").write_text("image,label\na.png,cat\n")
    (tmp_path / "data.yaml").write_text("names: [cat]\n")
    with pytest.raises(BadInputError, match=r"looks like yolo \(data\.yaml\) and csv"):
        recognise(tmp_path)


def test_new_from_data_renders_a_project_that_reads_the_dataset(tmp_path: Path) -> None:
    dataset = class_folders(tmp_path / "pets")
    result = run([SCAFFOLD, "new", "pets-project", "--from-data", str(dataset)], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Found: a dataset in the imagefolder layout" in result.stdout
    assert "No problems found." in result.stdout
    assert "train images per class: cat 3, dog 3" in result.stdout
    project = tmp_path / "pets-project"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["task"], answers["dataset_layout"]) == ("classification", "imagefolder")
    config = yaml.safe_load((project / "configs" / "default.yaml").read_text())
    assert config["data"]["data_dir"] == str(dataset.resolve())
    assert config["data"]["image_size"] == 32
    assert not (project / "data").exists()  # no demo data: it trains on the user's
    assert git("status", "--porcelain", cwd=project) == ""  # the settings are in the commit

    broken = run(
        [SCAFFOLD, "new", "other", "--from-data", str(tmp_path / "pets" / "train")], cwd=tmp_path
    )
    assert broken.returncode == 2
    assert "holds no dataset layout scaffold knows" in broken.stderr
    assert "Traceback" not in broken.stderr and not (tmp_path / "other").exists()


def test_the_check_reports_problems_in_the_users_data(tmp_path: Path) -> None:
    dataset = class_folders(tmp_path / "pets")
    (dataset / "train" / "cat" / "0.png").write_text("not an image")
    result = subprocess.run(
        [SCAFFOLD, "new", "pets-project", "--from-data", str(dataset), "--no-git-init"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "1 problems:" in result.stdout and "0.png" in result.stdout
    assert "check_data found problems in the data" in result.stderr
