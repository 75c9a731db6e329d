import sys

from pytest_llmbench.cli import main

sys.exit(main())
