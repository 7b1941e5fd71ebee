"""A stand-in for the engine's worker: replays a synthetic run of the spec's network.

Started as ``python fake_worker.py -m convnet_studio.train.worker SPEC --stop-on-eof``
(the training client's command line behind a fake interpreter, see :func:`fake_python`):
it prints the events a real worker would and writes them to the run's ``metrics.jsonl``,
in well under a second. Networks whose name starts with "plain" get a plain net's curves;
a name with "nan" in it ends in a non-finite loss, as a diverging run does; one with
"slow" in it takes about two seconds.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time


def fake_python(folder: str) -> str:
    """An executable in ``folder`` that runs this file with the real interpreter."""
    path = os.path.join(folder, "fake-python")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'#!/bin/sh\nexec "{sys.executable}" "{os.path.abspath(__file__)}" "$@"\n')
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def main(argv: list[str]) -> int:
    from convnet_studio.train import events as ev
    from convnet_studio.ui.training.synthetic import synthetic_events

    with open(argv[argv.index("-m") + 2], encoding="utf-8") as f:
        spec = json.load(f)
    name = str(spec["project"].get("name") or "")
    nodes = [n["name"] for n in spec["project"]["nodes"] if n["type"] in ("Conv2d", "Linear")]
    lines = []
    for event in synthetic_events(steps=40, nodes=len(nodes), steps_per_epoch=20, grad_every=5,
                                  residual=not name.startswith("plain"), name=name,
                                  nan_at=30 if "nan" in name else None):
        if event["event"] == ev.GRAD_NORMS:  # the spec's own layer names
            event["norms"] = dict(zip(nodes, event["norms"].values()))
        elif event["event"] == ev.STARTED:
            event["nodes"] = nodes
        elif event.get("node"):
            event["node"] = nodes[0]
        lines.append(ev.encode(event))
    with open(os.path.join(spec["run_dir"], "metrics.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)
    pause = 0.05 if "slow" in name else 0.0
    for line in lines:
        sys.stdout.write(line + "\n")
        if pause and '"step"' in line:
            sys.stdout.flush()
            time.sleep(pause)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
