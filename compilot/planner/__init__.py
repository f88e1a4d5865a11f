"""Compiler-style planner (LLMCompiler): plan language, streaming parser, validator, joiner and
replanner. Turns a request into a DAG of tool calls.
"""
