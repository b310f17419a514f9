"""zktui: a terminal tool for people who run Apache ZooKeeper."""

__version__ = "0.1.0"
