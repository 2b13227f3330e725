"""Custom actions for the Rasa action server (rasa-sdk, application environment).

Actions are thin: they read the tracker, call ``clinic_assistant`` and send what it returns.
Every reply action derives from ``ClinicAction`` so every reply carries the reply contract.
"""

from clinic_assistant import action_auth
from clinic_common.logs import install_log_redaction

# rasa_sdk imports this package first thing: from here on, no log line of the action server
# carries a patient's email, phone number or date of birth.
install_log_redaction()

# Only Rasa, holding the shared secret, may call this action server (clinic_assistant.
# action_auth): registered here because rasa-sdk imports this package in every process that
# builds its web app, before the plugins are attached.
action_auth.register()
