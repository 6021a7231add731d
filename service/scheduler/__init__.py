"""Due work kept in the database and the tick that fires it (see README: Scheduler)."""
