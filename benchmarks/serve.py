"""Serving latency: one image per request to each task's ``python -m <package>.serve``, on CPU.

For each task's default project: demo data, one training step for a checkpoint, then the
LitServe server on 127.0.0.1 and sequential requests, each one PNG uploaded as a user's client
would. The first requests warm up and are not timed; the figure is the median (p50) and p90 of
the rest, in milliseconds, end to end as the client sees it (HTTP, decoding, the model, JSON).
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import ROOT, record, render_project, write_demo_data
from scaffolder.project import package_env
from scaffolder.template import registry

WARMUP = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def upload(url: str, content: bytes) -> None:
    boundary = "bench-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    )
    body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=60) as answer:
        assert answer.status == 200, answer.status


def latency(project: Path, package: str, requests: int) -> dict[str, float]:
    """Train one step, serve the checkpoint, time ``requests`` sequential requests."""
    env = package_env(project)
    data = write_demo_data(project, package, "--train-images=16", "--val-images=4")
    fit = [sys.executable, "-m", package, "fit", "--config", "configs/default.yaml"]
    fit += ["--trainer.max_steps=1", "--trainer.limit_val_batches=0", "--data.num_workers=0"]
    fit += ["--trainer.num_sanity_val_steps=0", "--trainer.enable_progress_bar=false"]
    subprocess.run(fit, cwd=project, env=env, check=True, capture_output=True)
    [checkpoint] = project.glob("logs/*/version_0/checkpoints/last.ckpt")
    image = next(p for p in sorted(data.rglob("*.png")) if "masks" not in p.parts).read_bytes()
    port = free_port()
    serve = [sys.executable, "-m", f"{package}.serve", f"--ckpt_path={checkpoint}"]
    serve += [f"--port={port}", "--accelerator=cpu"]
    server = subprocess.Popen(
        serve,
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{package}.serve did not start") from None
                time.sleep(0.5)
        seconds = []
        for index in range(WARMUP + requests):
            start = time.perf_counter()
            upload(f"{url}/predict", image)
            if index >= WARMUP:
                seconds.append(time.perf_counter() - start)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    milliseconds = sorted(1000 * s for s in seconds)
    return {
        "p50_ms": round(statistics.median(milliseconds), 1),
        "p90_ms": round(milliseconds[int(0.9 * len(milliseconds)) - 1], 1),
        "image_bytes": len(image),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--tasks", nargs="*", default=list(registry(str(ROOT), "tasks")))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures: dict[str, object] = {"requests": args.requests, "cpu_cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as workdir:
        for task in args.tasks:
            package = f"serve_{task}"[:24]
            project = render_project(
                Path(workdir, task), task=task, project_name=f"Serve {task}", package_name=package
            )
            figures[task] = latency(project, package, args.requests)
            print(
                f"serve {task}: p50 {figures[task]['p50_ms']} ms, p90 {figures[task]['p90_ms']} ms "
                f"per one-image request ({args.requests} sequential requests, CPU)"
            )
    if args.json:
        record(args.json, "serve", figures)


if __name__ == "__main__":
    main()
