#!/usr/bin/env python3
"""Read .odoo-ci.yml and print one value for the shell scripts.

python3 setup/ci_config.py addons            -> "pss_core,pss_api"
python3 setup/ci_config.py test_paths --sep " "
python3 setup/ci_config.py db.test_name
"""

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load():
    text = (ROOT / ".odoo-ci.yml").read_text()
    try:
        import yaml
    except ImportError:  # PyYAML is optional: the file is deliberately simple
        return _parse_simple(text)
    return yaml.safe_load(text)


def _parse_simple(text):
    """Parse the subset of YAML used by .odoo-ci.yml (maps, lists, scalars)."""
    data, parent, key = {}, None, None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if indent == 0:
            key, _, value = item.partition(":")
            value = value.strip().strip('"')
            data[key] = [] if value == "[]" else (value or None)
            parent = key
        elif item.startswith("- "):
            if not isinstance(data[parent], list):
                data[parent] = []
            data[parent].append(item[2:].strip().strip('"'))
        else:
            sub, _, value = item.partition(":")
            if not isinstance(data[parent], dict):
                data[parent] = {}
            data[parent][sub.strip()] = value.strip().strip('"')
    return data


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("key", help="dotted key, e.g. addons or db.test_name")
    parser.add_argument("--sep", default=",")
    args = parser.parse_args(argv)
    value = load()
    for part in args.key.split("."):
        value = (value or {}).get(part)
    if value is None:
        sys.exit(f"{args.key} is not set in .odoo-ci.yml")
    print(args.sep.join(value) if isinstance(value, list) else value)


if __name__ == "__main__":
    main()
