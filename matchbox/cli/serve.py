"""`matchbox serve`: the checking page for the workshop room, and the instructor's class table."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import MatchboxError
from .options import marking_options


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens the page to every device on the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0: any free one).")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Learner names (CSV, as for generate): the class table lists them all.")
@click.option("--gradebook", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV kept up to date with each learner's latest result (read back if it exists).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Uploads checked at the same time.")
@click.option("--exam", is_flag=True, help="Exam mode: statuses and the slips named, never an expected value "
              "(on the result page and in the graded copy).")
@marking_options
def serve(host, port, roster, gradebook, threads, carried_credit, rounding_penalty, exam):
    """A checking page for the workshop room: learners open it in a browser, drop their workbook on it
    and see their score, every cell marked, and the slips named; no Python needed on their side.

    With --roster or --gradebook, the instructor also gets a live class table, at a link with a secret
    token printed here.

    \b
    matchbox serve                                     this computer only: http://127.0.0.1:8000/
    matchbox serve --host 0.0.0.0 --port 8000          the room's network
    matchbox serve --host 0.0.0.0 --roster learners.csv --gradebook grades.csv
    """
    import secrets

    from ..grading.grader import Marking
    from ..roster import read_roster
    from ..web.server import checking_server
    names = read_roster(roster) if roster else None
    if gradebook is not None:
        if roster is not None and gradebook.resolve() == roster.resolve():
            raise MatchboxError(f"{gradebook}: the gradebook would overwrite the roster; name another file")
        if not gradebook.parent.is_dir():
            raise MatchboxError(f"{gradebook}: its folder does not exist")
    token = secrets.token_urlsafe(16) if names or gradebook else None
    try:
        with checking_server(names, gradebook, token, host, port, threads, on_result=echo_result,
                             marking=Marking(carried_credit, rounding_penalty), exam=exam) as server:
            announce(host, server.effective_port, token, gradebook)
            server.run()  # returns on Ctrl-C or SIGTERM, once the threads have finished their uploads
        click.echo("stopped")
    except OSError as e:
        raise MatchboxError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    except (KeyboardInterrupt, SystemExit):
        click.echo("stopped")


def echo_result(report, error=None, awaiting: int = 0, reviewed: bool = False):
    """One line per upload in the instructor's terminal; a scanned sheet's line says whether its score waits
    for a look at `awaiting` unsure readings, or was settled by one."""
    from datetime import datetime

    from ..views.terminal import printable
    stamp = datetime.now().strftime("%H:%M:%S")
    if error:
        click.echo(f"{stamp}  {error}")
    else:
        who = report.learner or report.file
        note = (f" (awaiting review: {awaiting} readings to check)" if awaiting
                else " (reviewed: final)" if reviewed else "")
        click.echo(f"{stamp}  {printable(who)}: {report.variant} {report.score}/{report.max_score}{note}")


def announce(host: str, port: int, token: str | None, gradebook: Path | None):
    """Where learners and the instructor find the page."""
    from ..web.server import is_loopback, lan_addresses, server_url
    base = server_url(host, port)
    click.echo(f"matchbox is checking workbooks at {base}/")
    if not is_loopback(host):
        click.echo(click.style(f"Warning: --host {host} makes this page reachable by every device on the "
                               "network; stop it (Ctrl-C) when the workshop ends.", fg="yellow"))
        for address in lan_addresses():
            click.echo(f"  learners open http://{address}:{port}/")
    if token:
        click.echo(f"class table (keep this link to yourself): {base}/class?token={token}")
    if gradebook:
        click.echo(f"gradebook: {gradebook}")
    click.echo("Ctrl-C stops it.")
