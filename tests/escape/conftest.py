"""The escape suite: hostile code run through the real CLI on the real sandbox."""

# The hostile files are data, never collected by the suite that runs them.
collect_ignore = ["data"]
