"""The one check helper of the Python tests: prints each result and remembers the failures."""
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)
    return condition


def exit_status():
    return 1 if failures else 0
