"""`make bench`: zktui against its peers on a real sandbox ensemble (see run.py)."""
