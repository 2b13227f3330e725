"""Personal details redacted from every log record of a process, whoever logs it.

A record factory rather than a handler filter: Rasa, Sanic and the libraries configure their
own handlers, and a filter would have to be on each of them. Records are only created for
enabled levels, so a message costs the redaction only when it is really logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from clinic_common.redaction import redact

_installed = False


def install_log_redaction(kinds: Iterable[str]) -> None:
    """Redact these kinds (the ``CLINIC_REDACT`` setting) from every log message from now on.

    Called at each process's start-up (idempotent), never on import."""
    global _installed
    kinds = tuple(kinds)
    if _installed or not kinds:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging to report
            return record
        record.msg, record.args = redact(message, kinds), ()
        return record

    logging.setLogRecordFactory(redacting_record)
    _installed = True
