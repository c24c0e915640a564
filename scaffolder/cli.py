"""The ``scaffold`` command line: each command turns its options into one library call."""

import json
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scaffolder import answers, from_data, presets, render, signals, template, verify
from scaffolder import check as check_
from scaffolder import update as update_
from scaffolder.errors import ExitCode, Interrupted, ScaffoldError

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="Generate PyTorch Lightning projects from the scaffold template.",
    epilog="Exit codes: 0 success, 1 error, 2 bad input, 3 conflicts left to resolve.",
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class ConflictStyle(str, Enum):
    """How an update leaves changes that do not merge cleanly."""

    inline = "inline"
    rej = "rej"


def say(text: str) -> None:
    """Print plain text (no rich markup, so ``.[dev]`` survives)."""
    out.print(text, markup=False, soft_wrap=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print a ScaffoldError as one red sentence and exit with its code, without a traceback.

    An interruption (Ctrl-C, SIGTERM, SIGHUP) prints what state it left and exits with 128 +
    the signal's number, as a shell reports a process a signal stopped.
    """
    try:
        yield
    except ScaffoldError as error:
        err.print(f"[red]Error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    except Interrupted as stop:
        err.print(escape(stop.message), soft_wrap=True)
        raise typer.Exit(stop.exit_code) from None
    except KeyboardInterrupt:
        err.print("Interrupted.")
        raise typer.Exit(Interrupted(signal.SIGINT).exit_code) from None


def show_version(value: bool) -> None:
    """Eager ``--version`` callback."""
    if value:
        # Imported here, as only --version needs it: importlib.metadata slows every start-up.
        from importlib.metadata import version

        out.print(f"scaffold {version('scaffolder')}")
        raise typer.Exit()


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Generate PyTorch Lightning projects from the scaffold template."""


TRUST_HELP = (
    "Allow a template's _tasks, _migrations and _jinja_extensions, which run its code on this "
    "machine (the bundled template needs none)."
)


@app.command()
def new(
    destination: Annotated[
        Path, typer.Argument(file_okay=False, help="Folder to create the project in.")
    ],
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="An answer as KEY=VALUE, e.g. -d backbone=resnet18."),
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="YAML file of answers (question: answer)."),
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Use the default for every question not answered.")
    ] = False,
    template_source: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Template path or git URL (default: the template bundled with scaffold).",
            rich_help_panel="Template",
        ),
    ] = None,
    ref: Annotated[
        str | None,
        typer.Option(
            help="Template git tag or commit (default: latest tag).", rich_help_panel="Template"
        ),
    ] = None,
    demo_data: Annotated[
        bool, typer.Option(help="Write the synthetic demo dataset into data/.")
    ] = True,
    git_init: Annotated[bool, typer.Option(help="git init and make the first commit.")] = True,
    preset: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="Team preset YAML: its locked answers are not asked, its defaults are offered.",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Render into a folder that has files, replacing those the template writes.",
        ),
    ] = False,
    trust: Annotated[
        bool, typer.Option("--trust", help=TRUST_HELP, rich_help_panel="Template")
    ] = False,
    from_data_dir: Annotated[
        Path | None,
        typer.Option(
            "--from-data",
            file_okay=False,
            help="A dataset: its layout, task and image size give the answers, and the "
            "project trains on it (no demo data); check_data then reads it all.",
        ),
    ] = None,
) -> None:
    """Render a new project, commit it to a fresh git repository and write its demo data.

    Without a terminal (or with --defaults) unanswered questions take their defaults.

    Example: [bold]scaffold new shapes -d backbone=resnet18 -d precision=bf16-mixed[/bold]
    """
    with reported_errors():
        given = answers.load_file(data_file) if data_file else {}
        given.update(answers.parse_pairs(data or []))
        data_settings = {}
        if from_data_dir:
            found = from_data.recognise(from_data_dir)
            show_dataset(found)
            given = {**found.answers, **given}
            data_settings = {"data_dir": str(from_data_dir.resolve())}
            if found.image_size and given["task"] == found.task:
                data_settings["image_size"] = found.image_size
            demo_data = False
        options = render.NewOptions(
            destination=destination,
            answers=given,
            template=template_source,
            ref=ref,
            defaults=defaults or not sys.stdin.isatty(),
            git_init=git_init,
            demo_data=demo_data,
            preset=presets.load(preset) if preset else None,
            trust=trust,
            overwrite=overwrite,
            data_settings=data_settings,
        )
        with err.status("Rendering") as status:
            result = render.new(replace(options, progress=status.update))
    for warning in result.warnings:
        err.print(f"[yellow]Warning:[/yellow] {escape(warning)}", soft_wrap=True)
    show_answers(result.answers)
    say(f"Created {result.destination}")
    if result.commit:
        say(f"  git repository with first commit {result.commit}")
    if result.demo_data:
        say(f"  demo dataset in {result.demo_data}")
    if from_data_dir and result.package_name:
        report_data_check(result.destination, result.package_name)
    say("Next:")
    say(f"  cd {result.destination}")
    say('  python -m pip install -e ".[dev]"')
    if result.package_name:
        say(f"  python -m {result.package_name} fit --config configs/default.yaml")


def show_dataset(found: from_data.Recognised) -> None:
    """Say what --from-data found in a dataset."""
    say(f"Found: a dataset in the {found.layout} layout ({found.evidence}), task {found.task}")
    if found.classes:
        shown = ", ".join(found.classes[:10]) + (", ..." if len(found.classes) > 10 else "")
        say(f"  {len(found.classes)} classes: {shown}")
    if found.image_size:
        say(f"  image size {found.image_size} (the images' median short side allows it)")


def report_data_check(project: Path, package_name: str) -> None:
    """Run the new project's check_data on its dataset and show what it found."""
    result = render.check_data(project, package_name)
    say(result.stdout.rstrip())
    if result.returncode == 1 and result.stdout:
        err.print("[yellow]Warning:[/yellow] check_data found problems in the data (above).")
    elif result.returncode:
        reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        err.print(
            f"[yellow]Warning:[/yellow] check_data could not run ({escape(reason)}); after "
            f"`pip install -e .` in {project}, run `python -m {package_name}.check_data`."
        )


def show_answers(recorded: dict) -> None:
    """Print the answers a project was rendered with (Copier's own _ keys left out)."""
    table = Table("question", "answer", title="Answers")
    for key, value in recorded.items():
        if not key.startswith("_"):
            table.add_row(key, escape(str(value)))
    out.print(table)


# The narrowest help column `scaffold options` accepts, and the table's borders and padding.
OPTIONS_HELP_WIDTH = 30
OPTIONS_TABLE_BORDERS = 13


@app.command()
def options(
    template_source: Annotated[
        str | None, typer.Option("--template", help="Template path (default: the bundled one).")
    ] = None,
) -> None:
    """List the questions, their choices and defaults.

    Example: [bold]scaffold options[/bold], then
    [bold]scaffold new my-project -d task=segmentation[/bold]
    """
    with reported_errors():
        questions = template.questions(render.resolve_source(template_source))
    shown = [question for question in questions.values() if not question.hidden]
    rows = [
        (question.key, "\n".join(question.choices) or question.type, default_text(question))
        for question in shown
    ]
    # Names are never wrapped or cut off, and the help needs some room beside them.
    names_width = sum(
        max(len(line) for value in column for line in value.splitlines())
        for column in zip(*rows, strict=True)
    )
    if names_width + OPTIONS_HELP_WIDTH + OPTIONS_TABLE_BORDERS <= out.width:
        table = Table("question", "choices", "default", "help")
        for column in table.columns[:3]:
            column.no_wrap = True
        for row, question in zip(rows, shown, strict=True):
            table.add_row(*row, question.help)
        out.print(table)
        return
    # Too narrow for the table: a block per question, one choice a line, never wrapped.
    for question in shown:
        kind = "" if question.choices else f"{question.type}, "
        say(f"{question.key} ({kind}default: {default_text(question)})")
        if question.help:
            say(f"  {question.help}")
        for choice in question.choices:
            say(f"  - {choice}")


def default_text(question: template.Question) -> str:
    """A question's default, or a note that it is computed from earlier answers."""
    return "depends on other answers" if "{{" in str(question.default) else str(question.default)


CONFLICT_HELP = "inline: <<<<<<< markers in the file; rej: a FILE.rej next to it."
VERIFY_HELP = "Then run the project's one-step CPU training test and report the result."
BACKUP_HELP = (
    "Move files git does not track (ignored ones such as .env) that the update would overwrite "
    "aside to FILE.orig, instead of refusing."
)
DRY_RUN_HELP = "Show the files that would change and a unified diff; change nothing."


@app.command()
def update(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            file_okay=False,
            help="Project folders (default: .); with --all, folders of projects.",
        ),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Update every project in the given folders.")
    ] = False,
    to: Annotated[
        str | None,
        typer.Option(
            help="Template tag, branch or commit (default: the newest vX.Y.Z tag, or the newest "
            "commit of a template without tags)."
        ),
    ] = None,
    conflict: Annotated[ConflictStyle, typer.Option(help=CONFLICT_HELP)] = ConflictStyle.inline,
    verify: Annotated[bool, typer.Option("--verify", help=VERIFY_HELP)] = False,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Answer new questions with their defaults.")
    ] = False,
    backup: Annotated[bool, typer.Option("--backup", help=BACKUP_HELP)] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    trust: Annotated[bool, typer.Option("--trust", help=TRUST_HELP)] = False,
) -> None:
    """Bring projects to a newer template release, keeping your edits; needs a clean git tree.

    The update is worked out in a scratch copy and applied in one step at the end, so an
    interruption leaves the project as last committed. New questions take their defaults
    without a terminal (or with --defaults). Several PATHs or --all update one project after
    another and end with a table.

    Example: [bold]scaffold update --all ~/projects[/bold]
    """
    targets = paths or [Path(".")]
    interactive = sys.stdin.isatty() and not defaults
    options = update_.UpdateOptions(
        to=to,
        conflict=conflict.value,
        defaults=not interactive,
        verify=verify,
        trust=trust,
        backup=backup,
        dry_run=dry_run,
    )
    # A spinner would garble Copier's questions, so it shows only when nothing is asked.
    working = nullcontext() if interactive else err.status("Updating")
    with reported_errors():
        # Only the update's own steps are interrupted: a signal that comes once it is done,
        # while the spinner stops or the report prints, must not call it interrupted.
        if all_ or len(targets) > 1:
            with signals.held():
                with working:
                    results = update_.run_many(targets, options, search=all_)
                show_update_table(results)
                raise typer.Exit(update_.batch_exit_code(results))
        with signals.held():
            with working:
                result = update_.run(targets[0], options)
            show_update(result)
            raise typer.Exit(result.exit_code)  # under way when the signals raise again


@app.command()
def reconfigure(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", file_okay=False, help="The project folder.")
    ],
    changes: Annotated[list[str], typer.Argument(metavar="KEY=VALUE", help="Answers to change.")],
    conflict: Annotated[ConflictStyle, typer.Option(help=CONFLICT_HELP)] = ConflictStyle.inline,
    verify: Annotated[bool, typer.Option("--verify", help=VERIFY_HELP)] = False,
    backup: Annotated[bool, typer.Option("--backup", help=BACKUP_HELP)] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    trust: Annotated[bool, typer.Option("--trust", help=TRUST_HELP)] = False,
) -> None:
    """Change recorded answers (e.g. precision or logger) at the same template version.

    Copier re-renders the project with the new answers and merges your edits back in; it needs
    a clean git tree and reports conflicts as update does.

    Example: [bold]scaffold reconfigure . precision=bf16-mixed logger=tensorboard[/bold]
    """
    options = update_.UpdateOptions(
        conflict=conflict.value, verify=verify, trust=trust, backup=backup, dry_run=dry_run
    )
    with reported_errors(), signals.held():  # as in update
        result = update_.reconfigure(path, answers.parse_pairs(changes, given_as=""), options)
        show_update(result, reconfigured=True)
        raise typer.Exit(result.exit_code)


@app.command()
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATH", file_okay=False, help="Project folders (default: .)."),
    ] = None,
    preset: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Team preset YAML to check answers against.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Also fail when template-owned files were edited.")
    ] = False,
) -> None:
    """Is each project on the latest template version and within the team preset?

    Also lists template-owned files that differ from what the template renders with the
    project's answers at its version. Exit 0 when all pass, 1 otherwise, 2 when a PATH is not
    a project (the others are still checked).

    Example: [bold]scaffold check ~/projects/* --preset team.yml --json[/bold]
    """
    with reported_errors():
        loaded = presets.load(preset) if preset else None
        report = check_.scan(paths or [Path(".")], loaded, strict)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        show_check(report)
    raise typer.Exit(report.exit_code)


def show_update(result: update_.UpdateResult, reconfigured: bool = False) -> None:
    """Print one project's update: changed files, conflicts, kept files, verification."""
    for warning in result.warnings:
        err.print(f"[yellow]Warning:[/yellow] {escape(warning)}", soft_wrap=True)
    name = result.project.name
    preview = result.diff is not None
    if result.recovered:
        say(
            f"An earlier update of {name} was stopped half-way through applying its changes; "
            "scaffold finished it."
        )
    if result.outcome is update_.Outcome.UP_TO_DATE:
        state = "nothing to change" if reconfigured else "up to date"
        say(f"{name}: {state} (template {result.to_version}).")
    else:
        with_conflicts = " with conflicts" if result.outcome is update_.Outcome.CONFLICTS else ""
        verb = "Would reconfigure" if preview else "Reconfigured"
        if reconfigured:
            say(f"{verb} {name} at template {result.to_version}{with_conflicts}:")
        else:
            versions = f"from {result.from_version} to {result.to_version}"
            say(f"{'Would update' if preview else 'Updated'} {name} {versions}{with_conflicts}:")
        for change in result.changes:
            say(f"  {change.code} {change.path}")
    for path, aside in result.backups:
        say(f"Moved {path} aside to {aside}: the update writes {path}.")
    if result.conflicts:
        say("Conflicts to resolve:" if not preview else "Conflicts it would leave:")
        for path in result.conflicts:
            rejected = (result.project / f"{path}.rej").exists()
            say(f"  {path}" + (f"  (changes that did not apply: {path}.rej)" if rejected else ""))
        if not preview:
            say("Resolve them (<<<<<<< markers or .rej files), `git add` them, then commit.")
    if result.kept:
        say("Kept your edited files that the template no longer has (delete them if unused):")
        for path in result.kept:
            say(f"  {path}")
    if preview:
        if result.diff:
            out.print(result.diff, markup=False, highlight=False, soft_wrap=True)
        say("Dry run: nothing was changed.")
    elif result.outcome is update_.Outcome.UPDATED:
        say("Review with `git diff`, then commit.")
    if result.verification:
        verdict = "passed" if result.verification.passed else "FAILED"
        say(f"CPU training test {verdict}: {result.verification.summary}")


def show_update_table(results: Sequence[update_.UpdateResult]) -> None:
    """Print the summary table of ``scaffold update`` over many projects."""
    table = Table("project", "from version", "to version", "result")
    for result in results:
        verdict = result.outcome.value
        if result.verification and not result.verification.passed:
            verdict += ", test failed"
        table.add_row(
            escape(result.project.name),
            result.from_version or "-",
            result.to_version or "-",
            verdict,
        )
    out.print(table)
    for result in results:
        if result.message:
            say(f"{result.project.name}: {result.message}")
        if result.conflicts:
            say(f"{result.project.name}: resolve conflicts in {', '.join(result.conflicts)}")
        if result.kept:
            kept = ", ".join(result.kept)
            say(f"{result.project.name}: kept edited files the template dropped: {kept}")


def show_check(report: check_.CheckReport) -> None:
    """Print each project's version, preset violations and drift."""
    for item in report.projects:
        if item.error:
            say(f"{item.project.name}: {item.error}")
            continue
        say(f"{item.project.name}: template {item.version} ({item.state})")
        for violation in item.violations:
            say(f"  preset: {violation}")
        if item.drift:
            say(f"  files that differ from the template at {item.version}:")
            for drift in item.drift:
                say(f"    {drift.change}: {drift.path}")
    say("All projects pass." if report.ok else "Some projects need attention.")


@app.command("verify")
def verify_project(
    path: Annotated[
        Path, typer.Argument(file_okay=False, help="The generated project (default: here).")
    ] = Path("."),
    gpu: Annotated[
        bool, typer.Option("--gpu", help="Also train one step on CUDA in the recorded precision.")
    ] = False,
    ddp: Annotated[
        bool, typer.Option("--ddp", help="Also train two steps in two CPU processes under DDP.")
    ] = False,
    python: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="Interpreter to test with (default: .venv or this one)."),
    ] = None,
) -> None:
    """Run the project's own training smoke tests: CPU always, GPU and DDP when asked.

    Exits 0 when every check passed, 1 when one failed, 2 when PATH is not a generated project.

    Example: [bold]scaffold verify my-project --gpu --ddp[/bold]
    """
    with reported_errors(), err.status(f"Running the tests of {path.resolve().name}"):
        result = verify.verify(verify.VerifyOptions(path, gpu=gpu, ddp=ddp, python=python))
    table = Table("check", "result", "seconds", title=f"{result.package_name} ({result.project})")
    for check in result.checks:
        table.add_row(
            check.name, "passed" if check.passed else "[red]failed[/red]", f"{check.seconds:.1f}"
        )
    out.print(table)
    for check in result.checks:
        if not check.passed:
            err.print(f"[red]{escape(check.name)} failed:[/red]")
            err.print(check.detail, markup=False, highlight=False)
    if not result.passed:
        raise typer.Exit(ExitCode.ERROR)
