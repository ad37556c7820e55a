"""borderwatch: daily digest of public reporting on the cartel drone threat along the US-Mexico border."""

__version__ = "0.1.0"
