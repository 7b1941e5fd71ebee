"""Entry point of the PyInstaller build: the ``convnet-studio`` command.

A frozen application has no Python interpreter to run ``python -m module``, yet the training
client starts its worker as ``[sys.executable, "-m", "convnet_studio.train.worker", ...]``
(and ``torch.distributed.run`` for several processes). Here ``sys.executable`` is this program,
so it answers ``-m MODULE ARGS...`` the way the interpreter would.
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys


def main() -> int:
    multiprocessing.freeze_support()
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [module, *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from convnet_studio.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
