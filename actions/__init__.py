"""Custom actions for the Rasa action server (rasa-sdk, application environment).

Actions are thin: they read the tracker, call ``clinic_assistant`` and send what it returns.
Every reply action derives from ``ClinicAction`` so every reply carries the reply contract.
"""

from clinic_common.logs import install_log_redaction

# rasa_sdk imports this package first thing: from here on, no log line of the action server
# carries a patient's email, phone number or date of birth.
install_log_redaction()
