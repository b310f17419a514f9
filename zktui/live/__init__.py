"""Live models of what clients do in ZooKeeper: recipe detection (locks, elections, membership, queues).

Nothing here imports a UI toolkit or talks to a server: walkers fill `layout` descriptions, and both
front ends render what `recipes` makes of them.
"""
