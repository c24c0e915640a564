"""The ``scaffold`` command line: each command turns its options into one library call."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scaffolder import answers, render, template, verify
from scaffolder.errors import ExitCode, ScaffoldError

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="Generate PyTorch Lightning projects from the scaffold template.",
    epilog="Exit codes: 0 success, 1 error, 2 bad input, 3 conflicts left to resolve.",
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def say(text: str) -> None:
    """Print plain text (no rich markup, so ``.[dev]`` survives)."""
    out.print(text, markup=False, soft_wrap=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print a ScaffoldError as one red sentence and exit with its code, without a traceback."""
    try:
        yield
    except ScaffoldError as error:
        err.print(f"[red]Error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(error.exit_code) from None


def show_version(value: bool) -> None:
    """Eager ``--version`` callback."""
    if value:
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
) -> None:
    """Render a new project, commit it to a fresh git repository and write its demo data.

    Without a terminal (or with --defaults) unanswered questions take their defaults.

    Example: [bold]scaffold new shapes -d backbone=resnet18 -d precision=bf16-mixed[/bold]
    """
    with reported_errors():
        given = answers.load_file(data_file) if data_file else {}
        given.update(answers.parse_pairs(data or []))
        options = render.NewOptions(
            destination=destination,
            answers=given,
            template=template_source,
            ref=ref,
            defaults=defaults or not sys.stdin.isatty(),
            git_init=git_init,
            demo_data=demo_data,
        )
        result = render.new(options)
    for warning in result.warnings:
        err.print(f"[yellow]Warning:[/yellow] {escape(warning)}", soft_wrap=True)
    say(f"Created {result.destination}")
    if result.commit:
        say(f"  git repository with first commit {result.commit}")
    if result.demo_data:
        say(f"  demo dataset in {result.demo_data}")
    say("Next:")
    say(f"  cd {result.destination}")
    say('  python -m pip install -e ".[dev]"')
    say(f"  python -m {result.package_name} fit --config configs/default.yaml")


@app.command()
def options(
    template_source: Annotated[
        str | None, typer.Option("--template", help="Template path (default: the bundled one).")
    ] = None,
) -> None:
    """List the questions, their choices and defaults."""
    with reported_errors():
        questions = template.questions(render.resolve_source(template_source))
    table = Table("question", "choices", "default", "help")
    for question in questions.values():
        if not question.hidden:
            table.add_row(
                question.key,
                ", ".join(question.choices) or question.type,
                "depends on other answers"
                if "{{" in str(question.default)
                else str(question.default),
                question.help,
            )
    out.print(table)


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
    """
    with reported_errors():
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
