"""``python -m modelservice``: the same command as the ``modelservice`` script."""

from modelservice.cli.main import run

if __name__ == "__main__":
    run()
