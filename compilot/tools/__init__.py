"""Tool registry (typed Python functions -> JSON schema) and built-in tools.
"""
