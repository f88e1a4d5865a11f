"""Ready workflows composed from the other packages, and the SDK entry points.
"""
