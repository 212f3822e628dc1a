"""What goes wrong in an import, said so that a person can fix the file."""


class RowError(Exception):
    """One row is wrong: which column and why. The pipeline adds file and line."""

    def __init__(self, column: str | None, reason: str, line: int | None = None):
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.line = line  # set when the error is on another line than the record's first


class ImportFailed(Exception):
    """The import stopped and wrote nothing; `message` names file, line, column and reason."""

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def where(file_name: str, line: int | None, column: str | None) -> str:
    parts = [file_name]
    if line is not None:
        parts.append(f"line {line}")
    if column:
        parts.append(f"column {column}")
    return ", ".join(parts)
