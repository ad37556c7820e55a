"""Every exit code of the CLI, in one place (part of the contract: scripts and monitoring rely on them)."""

EXIT_OK = 0
# The command ran and the answer is "look at this": `rules test` matched nothing, `rules replay` would change
# something, `sources check` has a failing source, `status` needs attention, `db current` has an upgrade pending.
EXIT_ATTENTION = 1
EXIT_ERROR = 2  # a configuration, database or usage error; nothing was done, no traceback
EXIT_DELIVERY = 3  # the digest (or the weekly chart) could not be delivered; it stays queued for the next run
EXIT_BUSY = 4  # another run holds the run lock; nothing was done
EXIT_OUTAGE = 5  # the run completed but no source could be reached at all (network or DNS down?)
EXIT_INTERRUPTED = 130  # 128 + SIGINT (Ctrl-C), as a shell reports it (borderwatch.stopping.exit_code)
EXIT_STOPPED = 143  # 128 + SIGTERM, as a shell reports a process stopped by it: stopped between steps
