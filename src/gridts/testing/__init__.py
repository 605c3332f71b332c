"""Support shared by the test suite and the benchmarks.

A TimescaleDB to run against, free loopback ports, throwaway databases, and a real
``gridts serve`` process.

It lives in the package (like ``litestar.testing``) so ``tests/`` and ``bench/`` import one copy;
nothing in the service imports it.
"""
