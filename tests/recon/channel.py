"""A notifier for the tests (BILLING_NOTIFIER=<this module>:remember): it keeps what it is sent."""

SENT: list = []


def remember(note) -> None:
    SENT.append(note)


def broken(note) -> None:
    raise ConnectionError("channel down")
