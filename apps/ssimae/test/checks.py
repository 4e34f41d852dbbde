"""The failure list of an ssimae test script: every check that fails is printed and kept; the script reports them
at its end."""

failures = []


def check(condition, message):
    """Keeps and prints `message` when `condition` is false; returns the condition."""
    if not condition:
        failures.append(message)
        print("FAIL:", message)
    return condition
