"""The few exception types brandradar raises, split by what the caller should do next.

A *permanent* failure means the input itself is bad (quarantine it, count it, go on); a
*transient* one means the world was briefly unavailable (retry with a cap). Config errors stop the
command with a one-line message naming the file and the entry that is wrong.
"""


class BrandradarError(Exception):
    """Base class: every error brandradar raises on purpose."""


class ConfigError(BrandradarError):
    """A config file, brands file or source declaration is missing or wrong."""


class PermanentError(BrandradarError):
    """Bad input that will not get better by retrying (broken page, unparsable feed).

    ``reason`` is a short stable code that coverage counts group by.
    """

    def __init__(self, message: str, reason: str = "bad_input") -> None:
        super().__init__(message)
        self.reason = reason


class TransientError(BrandradarError):
    """A backend or network outage worth retrying (with a cap)."""


class DataFileError(PermanentError):
    """A file in the work directory is corrupt (a killed disk write, a bad copy): named, with
    what to do (``brandradar doctor``)."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}; check the work directory with 'brandradar doctor' "
                         f"(--repair moves broken files to quarantine/)", "corrupt_file")
