"""Code agents built on the planner and sandboxes: debugger (LDB), monitor (static-analysis
guided decoding), tool-maker (LATM), kernel writer, coder (L2MAC) and issue fixer.
"""
