"""Customisations of the Rasa server: the patient channel, exactly-once delivery, the tracker
store, request limits, the start-up command and the speed fixes. Those that change Rasa's own
functions are installed by explicit calls (``clinic_nlu.server.patches.install``), checked
against the Rasa version and signatures they were written for."""
