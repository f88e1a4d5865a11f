"""Edit formats and their application, validation (tests, lint) and repair strategies.
"""
