"""消息: what a user is told about, derived from the human-task rows, with a small per-user record of what was read."""
