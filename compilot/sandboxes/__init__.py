"""Sandboxes that run generated code: the Sandbox protocol, DockerSandbox (default) and
LocalSandbox (no isolation, loud warning).
"""
