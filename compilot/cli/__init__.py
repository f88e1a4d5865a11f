"""The `compilot` command line (Typer + Rich): thin commands over the SDK.
"""
