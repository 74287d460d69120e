import sys

from fairgov.cli.main import main

sys.exit(main())
