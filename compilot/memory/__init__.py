"""L2MAC stored-program memory (instruction registry, file store, control unit), the tool
library and trajectories.
"""
