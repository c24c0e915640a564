"""``scaffold update`` never loses a byte of a user's file: ignored files, signals, kills.

Each attack runs a real ``python -m scaffolder update`` process on a fresh copy of one project
and compares every file below the project (tracked, untracked and ignored; git's own folder
aside) with the project as committed and with the finished update: it must equal one of the
two, never a mixture.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffolder import transaction
from scaffolder.errors import ExitCode
from tests.helpers import (
    IDENTITY,
    PYTHON_SCAFFOLD,
    ROOT,
    build_file_tree,
    commit_all,
    git,
    git_save,
    new_project,
    snapshot,
    status,
)

pytestmark = pytest.mark.usefixtures("git_identity")

QUESTIONS = "_subdirectory: tpl\nproject_name:\n  type: str\n  default: Tiny\n"
MODULES = 20  # enough files that Copier's update takes a while to interrupt


def release_template(root: Path, **v2_files: str) -> Path:
    """A template repository: v1.0.0, and a v2.0.0 that changes, adds and removes files.

    ``v2_files`` are more files v2.0.0 adds (paths below the template folder ``tpl``).
    """
    v1 = {
        "copier.yml": QUESTIONS,
        "tpl/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
        "tpl/README.md.jinja": "# {{ project_name }}\n",
        "tpl/.gitignore": "data/\n.env\n.vscode/\nlink\n",
        "tpl/old.txt": "dropped in v2\n",
        **{f"tpl/pkg/mod_{i:02d}.py": f"VALUE = {i}\n" for i in range(MODULES)},
    }
    root.mkdir(parents=True)
    build_file_tree({root / name: text for name, text in v1.items()})
    git("init", "--quiet", "--initial-branch=main", cwd=root)
    git_save(root, "v1", tag="v1.0.0")
    (root / "tpl" / "README.md.jinja").write_text("# {{ project_name }} v2\n")
    for i in range(MODULES):
        module = root / "tpl" / "pkg" / f"mod_{i:02d}.py"
        module.write_text(f'"""Module {i}, v2."""\n\n{module.read_text()}')
    (root / "tpl" / "old.txt").unlink()
    added = {"tpl/NEW.md": "new\n", **v2_files}
    build_file_tree({root / name: text for name, text in added.items()})
    git("add", "--force", "--", *added, cwd=root)  # tpl/.gitignore would leave some out
    git_save(root, "v2", tag="v2.0.0")
    return root


def users_project(template: Path, destination: Path) -> Path:
    """A v1.0.0 project with committed edits and the ignored files its user keeps."""
    project = new_project(template, destination)
    with (project / "pkg" / "mod_01.py").open("a") as module:
        module.write("\n\ndef helper() -> int:\n    return VALUE + 1\n")
    build_file_tree({project / "notes" / "own.md": "our notes\n"})
    commit_all(project)
    build_file_tree(
        {
            project / "data" / "image.png": "user data",
            project / ".env": "SECRET=hunter2\n",
            project / ".vscode" / "settings.json": '{"editor.rulers": [100]}\n',
        }
    )
    return project


def scaffold_env(tmp: Path) -> dict[str, str]:
    """The environment scaffold runs in here: this checkout, its own temporary folder."""
    return {**os.environ, **IDENTITY, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp), "COLUMNS": "200"}


def scaffold_process(*args: str, tmp: Path) -> subprocess.Popen[str]:
    """``python -m scaffolder ARGS`` as a user starts it, with its own temporary folder."""
    return subprocess.Popen(
        [*PYTHON_SCAFFOLD, *args],
        env=scaffold_env(tmp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def area(project: Path) -> Path:
    return project / ".git" / transaction.AREA


@dataclass(frozen=True)
class Case:
    """One project to attack, and the two states it may be left in."""

    base: Path
    head: dict[str, object]
    finished: dict[str, object]
    seconds: float
    tmp: Path

    def copy(self, name: str) -> Path:
        return Path(shutil.copytree(self.base, self.base.parent / name, symlinks=True))


@pytest.fixture
def case(tmp_path: Path) -> Case:
    """The project, its committed state, and the state and duration of an unbroken update."""
    template = release_template(tmp_path / "template")
    base = users_project(template, tmp_path / "work" / "base")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    reference = Path(shutil.copytree(base, tmp_path / "work" / "reference", symlinks=True))
    start = time.monotonic()
    run = scaffold_process("update", str(reference), tmp=tmp)
    out, err = run.communicate(timeout=120)
    seconds = time.monotonic() - start
    assert run.returncode == 0, out + err
    finished = snapshot(reference)
    head = snapshot(base)
    assert finished != head and finished["README.md"] == (b"# Tiny v2\n", False)
    assert finished[".env"] == head[".env"] and "old.txt" not in finished
    return Case(base, head, finished, seconds, tmp)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_at_any_moment_leaves_head_or_the_finished_update(signum: int, case: Case) -> None:
    moments = 10
    outcomes = []
    for moment in range(moments):
        project = case.copy(f"{signum}-{moment}")
        update = scaffold_process("update", str(project), tmp=case.tmp)
        time.sleep(case.seconds * (moment + 0.5) / moments)
        update.send_signal(signum)
        out, err = update.communicate(timeout=120)
        after = snapshot(project)
        where = f"moment {moment}/{moments} of {case.seconds:.2f} s, exit {update.returncode}"

        assert after in (case.head, case.finished), f"a mixture at {where}: {out}{err}"
        assert not area(project).exists(), f"scratch area left at {where}"
        if update.returncode == 0:  # it had finished before the signal came
            assert after == case.finished, where
        elif update.returncode == 128 + signum:
            sentence = err.strip().splitlines()
            assert len(sentence) == 1 and sentence[0].startswith("Interrupted"), err
            assert "Traceback" not in err, err
            if after == case.finished:
                assert "after the update was applied" in sentence[0], (where, err)
            else:  # "Interrupted." alone when the signal came before the command began
                assert "not changed" in sentence[0] or sentence[0] == "Interrupted.", (where, err)
        else:  # stopped during the interpreter's own start-up, before scaffold's code ran
            assert after == case.head, (where, out, err)
            assert update.returncode == -signum or "init_import_site" in err, (where, err)
        outcomes.append("head" if after == case.head else "finished")
    assert "head" in outcomes, f"no signal arrived before the update was applied: {outcomes}"


@pytest.mark.slow
def test_sigkill_at_any_moment_then_the_next_run_cleans_up_and_updates(case: Case) -> None:
    moments = 5
    for moment in range(moments):
        project = case.copy(f"kill-{moment}")
        update = scaffold_process("update", str(project), tmp=case.tmp)
        time.sleep(case.seconds * (moment + 0.5) / moments)
        update.kill()
        update.communicate(timeout=60)
        after = snapshot(project)
        pending = (area(project) / transaction.JOURNAL).exists()
        assert after in (case.head, case.finished) or pending, f"a mixture at moment {moment}"

        again = scaffold_process("update", str(project), tmp=case.tmp)
        out, err = again.communicate(timeout=120)

        assert again.returncode in (0, ExitCode.BAD_INPUT), out + err
        if again.returncode == ExitCode.BAD_INPUT:  # the killed run had applied it already
            assert "uncommitted changes" in err and after == case.finished
        assert snapshot(project) == case.finished, f"moment {moment}: {out}{err}"
        assert not area(project).exists()
    assert list(case.tmp.iterdir()) == [], "temporary files left behind"


def test_a_kill_inside_the_apply_step_is_finished_by_the_next_run(case: Case) -> None:
    project = case.copy("killed-while-applying")
    kill_at_third_file = (
        "import os, signal, sys\n"
        "from scaffolder import transaction\n"
        "real, placed = transaction._place, []\n"
        "def place(source, target):\n"
        "    real(source, target)\n"
        "    placed.append(target)\n"
        "    if len(placed) == 3:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "transaction._place = place\n"
        "from scaffolder.__main__ import main\n"
        f"sys.argv = ['scaffold', 'update', {str(project)!r}]\n"
        "main()\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", kill_at_third_file],
        env=scaffold_env(case.tmp),
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    half = snapshot(project)
    assert half not in (case.head, case.finished)  # the kill did land inside the step
    assert (area(project) / transaction.JOURNAL).exists()
    assert (
        half[".env"] == case.head[".env"] and half["data/image.png"] == case.head["data/image.png"]
    )

    again = scaffold_process("update", str(project), tmp=case.tmp)
    out, err = again.communicate(timeout=120)

    assert again.returncode == 0, out + err
    assert "was stopped half-way through applying its changes; scaffold finished it" in " ".join(
        out.split()
    )
    assert snapshot(project) == case.finished
    assert not area(project).exists()


def test_a_half_applied_update_never_overwrites_a_file_changed_since(case: Case) -> None:
    project = case.copy("changed-after-kill")
    readme = project / "README.md"
    # As a killed run leaves it: the journal written, no file changed yet, the owner gone.
    change = transaction.Change("M", "README.md", transaction.fingerprint(readme), "-:0")
    journal = transaction.Journal(
        project, project, area(project) / "clone", transaction.Plan((change,), ())
    )
    area(project).mkdir()
    (area(project) / transaction.OWNER).write_text("999999999")
    transaction.write_journal(area(project) / transaction.JOURNAL, journal)
    readme.write_text("# Edited by hand after the kill\n")

    again = scaffold_process("update", str(project), tmp=case.tmp)
    out, err = again.communicate(timeout=120)

    assert again.returncode == ExitCode.ERROR, out + err
    assert "README.md was changed by something else meanwhile" in " ".join(err.split())
    assert readme.read_text() == "# Edited by hand after the kill\n"


def test_files_git_cannot_restore_are_never_overwritten(tmp_path: Path) -> None:
    template = release_template(
        tmp_path / "template",
        **{"tpl/.env": "EXAMPLE=1\n", "tpl/.vscode/settings.json": "{}\n", "tpl/link/x.md": "x\n"},
    )
    project = users_project(template, tmp_path / "p")
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "link").symlink_to(outside)  # an ignored link to a folder outside the project
    before = snapshot(project)
    tmp = tmp_path / "tmp"
    tmp.mkdir()

    preview = scaffold_process("update", str(project), "--dry-run", tmp=tmp)
    out, err = preview.communicate(timeout=120)
    assert preview.returncode == ExitCode.BAD_INPUT, out + err
    assert "+EXAMPLE=1" in out and snapshot(project) == before

    refused = scaffold_process("update", str(project), tmp=tmp)
    out, err = refused.communicate(timeout=120)

    assert refused.returncode == ExitCode.BAD_INPUT, out + err
    message = " ".join(err.split())
    assert (
        "would overwrite files in p that git does not track (.env, .vscode/settings.json, link)"
        in (message)
    )
    assert "--backup" in message and "Traceback" not in err
    assert snapshot(project) == before and status(project) == ""

    backed_up = scaffold_process("update", str(project), "--backup", tmp=tmp)
    out, err = backed_up.communicate(timeout=120)

    assert backed_up.returncode == 0, out + err
    assert "Moved .env aside to .env.orig" in out
    assert (project / ".env.orig").read_text() == "SECRET=hunter2\n"
    assert (project / ".env").read_text() == "EXAMPLE=1\n"
    assert (project / ".vscode" / "settings.json.orig").read_text() == '{"editor.rulers": [100]}\n'
    assert (project / "link.orig").is_symlink() and not (outside / "x.md").exists()
    assert (project / "link" / "x.md").read_text() == "x\n"
    assert (project / "data" / "image.png").read_text() == "user data"  # not the release's
    assert list(tmp.iterdir()) == []


def test_dry_run_shows_the_diff_and_changes_nothing(case: Case) -> None:
    project = case.copy("preview")

    preview = scaffold_process("update", str(project), "--dry-run", tmp=case.tmp)
    out, err = preview.communicate(timeout=120)

    assert preview.returncode == 0, out + err
    assert "Would update preview from v1.0.0 to v2.0.0:" in out
    assert "+# Tiny v2" in out and "-dropped in v2" in out and "+new" in out
    assert "Dry run: nothing was changed." in out
    assert snapshot(project) == case.head and status(project) == ""

    (project / "README.md").write_text("# Ours\n")
    commit_all(project)
    conflicts = scaffold_process("update", str(project), "--dry-run", tmp=case.tmp)
    out, err = conflicts.communicate(timeout=120)
    assert conflicts.returncode == ExitCode.CONFLICTS, out + err
    assert "Conflicts it would leave:\n  README.md" in out
    assert status(project) == ""


def test_a_second_update_waits_for_the_first(case: Case) -> None:
    project = case.copy("busy")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        area(project).mkdir()
        (area(project) / transaction.OWNER).write_text(str(holder.pid))
        busy = scaffold_process("update", str(project), tmp=case.tmp)
        out, err = busy.communicate(timeout=120)
        assert busy.returncode == ExitCode.BAD_INPUT, out + err
        assert f"Another scaffold update (process {holder.pid}) is working on this project" in (
            " ".join(err.split())
        )
    finally:
        holder.kill()
        holder.wait()
    stale = scaffold_process("update", str(project), tmp=case.tmp)  # its owner is gone now
    out, err = stale.communicate(timeout=120)
    assert stale.returncode == 0, out + err
    assert snapshot(project) == case.finished


ORPHAN_GIT = """
import sys, time
from pathlib import Path

area, seconds = Path(sys.argv[1]), float(sys.argv[2])
end, count = time.monotonic() + seconds, 0
while time.monotonic() < end:  # as git does, creating the folders an object goes in
    folder = area / "clone" / ".git" / "objects" / f"{count % 256:02x}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"object-{count}").write_bytes(b"x" * 512)
    count += 1
"""


def test_a_killed_runs_git_still_writing_into_its_area_does_not_block_the_next_run(
    case: Case,
) -> None:
    project = case.copy("orphan-writing")
    # As a SIGKILL leaves it: the owner gone with its half-removed area, while a git command it
    # had started lives on, orphaned, and writes into the area for a while.
    (area(project) / "clone").mkdir(parents=True)
    orphan = subprocess.Popen([sys.executable, "-c", ORPHAN_GIT, str(area(project)), "3"])
    try:
        while not (area(project) / "clone" / ".git" / "objects").exists():
            time.sleep(0.01)
        again = scaffold_process("update", str(project), tmp=case.tmp)
        out, err = again.communicate(timeout=120)
    finally:
        orphan.wait(timeout=60)

    assert again.returncode == 0, out + err
    assert snapshot(project) == case.finished
    assert not area(project).exists()


def test_a_project_inside_a_larger_repository_updates_in_place(tmp_path: Path) -> None:
    template = release_template(tmp_path / "template")
    mono = tmp_path / "mono"
    build_file_tree({mono / "README.md": "monorepo\n", mono / "other" / "keep.txt": "keep\n"})
    git("init", "--quiet", "--initial-branch=main", cwd=mono)
    git_save(mono, "monorepo")
    project = new_project(template, mono / "services" / "tiny", git_init=False)
    git_save(mono, "add tiny")
    tmp = tmp_path / "tmp"
    tmp.mkdir()

    update = scaffold_process("update", str(project), tmp=tmp)
    out, err = update.communicate(timeout=120)

    assert update.returncode == 0, out + err
    assert (project / "README.md").read_text() == "# Tiny v2\n"
    changed = {line[3:] for line in status(mono).splitlines()}
    assert "services/tiny/README.md" in changed and "services/tiny/old.txt" in changed
    assert all(path.startswith("services/tiny/") for path in changed), changed
    assert (mono / "other" / "keep.txt").read_text() == "keep\n"


SIGNAL_AT = """
import os, signal, sys
import {module} as module
real = module.{name}
def {name}(*args, **kwargs):
    if {before}:
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)
    result = real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGINT)
    return result
module.{name} = {name}
from scaffolder.__main__ import main
sys.argv = ["scaffold", "update", {project!r}]
main()
"""


@pytest.mark.parametrize(
    ("module", "name", "before", "applied"),
    [
        ("scaffolder.project", "load", False, False),  # before the update's first step
        ("scaffolder.transaction", "lock", False, False),  # as its scratch area is taken
        ("scaffolder.update", "run", False, True),  # as it returns, the spinner still on
        ("scaffolder.cli", "show_update", True, True),  # as its report prints
        ("scaffolder.__main__", "signal_handlers_done", True, True),  # on its way out
    ],
    ids=["loading", "locking", "returning", "reporting", "exiting"],
)
def test_a_signal_at_the_edges_of_the_update_tells_what_it_left(
    case: Case, module: str, name: str, before: bool, applied: bool
) -> None:
    """Ctrl-C just before the update's steps stops it; just after, it changes nothing."""
    project = case.copy(name)
    script = SIGNAL_AT.format(module=module, name=name, before=before, project=str(project))
    update = subprocess.run(
        [sys.executable, "-c", script],
        env=scaffold_env(case.tmp),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert not area(project).exists()
    assert "Traceback" not in update.stderr, update.stderr
    if applied:  # the update was done: its outcome and report stand
        assert update.returncode == 0, update.stderr
        assert "Interrupted" not in update.stderr and "README.md" in update.stdout
        assert snapshot(project) == case.finished
    else:
        assert update.returncode == 128 + signal.SIGINT, update.stdout + update.stderr
        assert update.stderr.strip() == (
            f"Interrupted: {project.name} was not changed; it is as last committed."
        )
        assert snapshot(project) == case.head


SIGNAL_AT_SECOND_LOCK = """
import os, signal, sys
from scaffolder import transaction
real, taken = transaction.lock, []
def lock(area):
    real(area)
    taken.append(area)
    if len(taken) == 2:
        os.kill(os.getpid(), signal.SIGTERM)
transaction.lock = lock
from scaffolder.__main__ import main
sys.argv = ["scaffold", "update", "--all", {folder!r}]
main()
"""


def test_a_signal_stops_a_batch_and_its_table_says_what_each_project_was_left_as(
    case: Case,
) -> None:
    folder = case.base.parent / "team"
    projects = [
        Path(shutil.copytree(case.base, folder / name, symlinks=True)) for name in ("a", "b", "c")
    ]
    (folder / "notes").mkdir()
    script = SIGNAL_AT_SECOND_LOCK.format(folder=str(folder))
    update = subprocess.run(
        [sys.executable, "-c", script],
        env=scaffold_env(case.tmp),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert update.returncode == 128 + signal.SIGTERM, update.stdout + update.stderr
    assert "Traceback" not in update.stderr, update.stderr
    rows = {line.split()[1]: line for line in update.stdout.splitlines() if line[:1] == "│"}
    assert "updated" in rows["a"] and "interrupted" in rows["b"] and "not started" in rows["c"]
    assert "skipped: not a project" in rows["notes"]
    assert "b: Interrupted: b was not changed; it is as last committed." in update.stdout
    assert [snapshot(project) for project in projects] == [case.finished, case.head, case.head]
    assert not any(area(project).exists() for project in projects)
