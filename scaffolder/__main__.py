"""``python -m scaffolder``: the same CLI as the ``scaffold`` command."""

from scaffolder.cli import app

app(prog_name="scaffold")
