"""What `borderwatch demo` serves: two small fixture outlets on a loopback server of their own.

This is the only test-like code inside the wheel. The test suite's servers and fakes (fault-injecting fixture
server, fake Slack, PostgreSQL launcher, the twelve outlet copies) live in tests/support/, outside the package.
"""
