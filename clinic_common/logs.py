"""Personal details redacted from every log record of a process, whoever logs it.

A record factory rather than a handler filter: Rasa, Sanic and the libraries configure their
own handlers, and a filter would have to be on each of them. Records are only created for
enabled levels, so a message costs the redaction only when it is really logged.
"""

from __future__ import annotations

import logging

from clinic_common.redaction import configured_kinds, redact

_installed = False


def install_log_redaction() -> None:
    """Redact the ``CLINIC_REDACT`` kinds from every log message from now on (idempotent)."""
    global _installed
    kinds = configured_kinds()
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
