"""The mail connector: IMAP in, SMTP out, and MIME parsing/building (standard ``email``, policy=default).

``interfaces`` holds what the CRM codes against; ``imap``/``smtp`` are the real implementations and ``fakes``
the in-memory ones for unit tests. Which is used is decided in one place, the web app factory.
"""
