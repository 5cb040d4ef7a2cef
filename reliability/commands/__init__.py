"""The CLI's commands, one module per area; each exposes ``COMMANDS``."""
