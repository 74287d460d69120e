import sys

try:
    from fairgov.cli.main import main
except KeyboardInterrupt:  # interrupted while importing: nothing was written yet
    sys.exit(130)

sys.exit(main())
