"""`python -m bench`: every figure in one run (bench/all.py)."""

from bench.all import main

main()
