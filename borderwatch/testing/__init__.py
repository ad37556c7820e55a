"""Loopback test servers (fixture outlets, fake Slack) used by the test suite, the demo and the benchmarks."""
