from __future__ import annotations

import sys

from convnet_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
