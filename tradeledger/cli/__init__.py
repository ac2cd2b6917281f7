"""The `tradeledger` command line (Typer)."""
