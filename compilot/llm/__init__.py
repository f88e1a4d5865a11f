"""Model access: the ChatModel protocol, the litellm client, bundled model weights, the local
llama.cpp server and the capability probe.
"""
