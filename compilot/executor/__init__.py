"""Task fetching unit and async parallel executor; the LangGraph outer loop with checkpoints.
"""
