"""Custom actions for the Rasa action server (rasa-sdk, application environment).

Actions are thin: they read the tracker, call ``clinic_assistant`` and send what it returns.
Every reply action derives from ``ClinicAction`` so every reply carries the reply contract.
The server itself (start-up, the shared secret, the staff-alert worker) is
``clinic_assistant.action_server``; importing this package does nothing else.
"""
