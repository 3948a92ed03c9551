"""Read an XLIFF file with translate-toolkit (XLIFF 2.x: xliff2.Xliff2File, 1.x: xliff.xlifffile)
and print its units as JSON; with a second path, post-edit it the way a CAT tool would (every
target prefixed with "PE: ", marked approved) and save it there.

Run it with the Python of a separate environment that has translate-toolkit installed (its
package is also called ``translate``, so it cannot share ours), from outside the repository:

    build/ttk-venv/bin/python tests/tools/check_xliff_ttk.py FILE.xlf [POST-EDITED.xlf]

Output: {"class": ..., "srclang": ..., "tgtlang": ..., "units": [{"id", "source", "target",
"fuzzy", "translated", "notes"}, ...]}.
"""

import json
import sys

from translate.storage import xliff, xliff2


def main(path: str, post_edited: str | None = None) -> None:
    with open(path, "rb") as handle:
        data = handle.read()
    store_class = xliff2.Xliff2File if b'version="2.' in data[:400] else xliff.xlifffile
    store = store_class.parsestring(data)
    units = [{"id": unit.getid(), "source": unit.source, "target": unit.target, "fuzzy": unit.isfuzzy(),
              "translated": unit.istranslated(), "notes": unit.getnotes()} for unit in store.units]
    json.dump({"class": store_class.__name__, "srclang": store.sourcelanguage, "tgtlang": store.gettargetlanguage(),
               "units": units}, sys.stdout, ensure_ascii=True)
    if post_edited:
        for unit in store.units:
            if unit.target:
                unit.target = "PE: " + unit.target
                unit.markapproved(True)
        with open(post_edited, "wb") as handle:
            store.serialize(handle)


if __name__ == "__main__":
    main(*sys.argv[1:3])
