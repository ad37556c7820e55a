"""One module per `borderwatch` subcommand."""
