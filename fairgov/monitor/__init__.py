"""Stage monitor: a DeploymentProtocol's monitoring plan executed over the production log.

source (DuckDB / SQLAlchemy) -> periods (labels pending, row hashes) -> checks per period
(fairgov.metrics + the gate decision rule) -> consecutive rule -> history store -> outputs.
"""
