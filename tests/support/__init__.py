"""Test servers and fakes (fixture outlets with faults, fake Slack, PostgreSQL launcher, the twelve outlet copies)."""
