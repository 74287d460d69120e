import sys

try:
    from fairgov.cli.main import run
except KeyboardInterrupt:  # interrupted while importing: nothing was written yet
    sys.exit(130)

run()
