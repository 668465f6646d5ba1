import sys

from meiyan.cli import main

sys.exit(main())
