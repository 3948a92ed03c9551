"""Read a TMX file with translate-toolkit's tmxfile and print its units as JSON.

Run it with the Python of a separate environment that has translate-toolkit installed (its
package is also called ``translate``, so it cannot share ours), from outside the repository:

    /tmp/ttk-venv/bin/python tests/tools/check_tmx_ttk.py FILE.tmx

Output: {"srclang": ..., "units": [[source, target, [[prop type, value], ...]], ...]}.
"""

import json
import sys

from translate.storage.tmx import tmxfile


def main(path: str) -> None:
    with open(path, "rb") as handle:
        store = tmxfile(handle)
    units = []
    for unit in store.units:
        props = [[prop.get("type"), prop.text or ""] for prop in unit.xmlelement.iterfind("prop")]
        units.append([unit.source, unit.target, props])
    json.dump({"srclang": store.sourcelanguage, "units": units}, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main(sys.argv[1])
