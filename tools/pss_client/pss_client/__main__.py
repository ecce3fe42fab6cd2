"""``python -m pss_client``: same as ``pss-send``;
``python -m pss_client simulate ...``: same as ``pss-simulate``."""

import sys

from .cli import main as send


def main() -> int:
    if sys.argv[1:2] == ["simulate"]:
        from .simulate import main as simulate

        return simulate(sys.argv[2:])
    return send()


sys.exit(main())
