"""Runs the meiyan demo: ``python demo_app/run_demo.py [options of 'meiyan demo']`` (see --help).

The demo itself is part of the installed package (meiyan/demo.py, meiyan/demo_ui.py); this file
only calls it, so a checkout and an installed ``meiyan demo`` behave the same.
"""

from __future__ import annotations

import sys

from meiyan.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
