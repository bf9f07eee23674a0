"""Matrix: `!` commands in rooms, HTML replies as m.notice, files as m.file, reminders and nudges."""
from bot.adapters.matrix.app import MatrixAdapter, MatrixRunner

__all__ = ["MatrixAdapter", "MatrixRunner"]
