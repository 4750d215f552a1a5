"""Every table obeys the row limit where it enters (issue 35, point 2): reading stops at the limit, and
what was cut is said. The probe's zip: 113 KB inflating to 20 MB of two-letter lines, kept whole as a
6,989,840-row table before."""

import time
import zipfile

from rnn_demo import limits
from rnn_demo.files import read_upload


def test_a_zip_of_millions_of_short_lines_stops_at_the_limit_while_inflating(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for label in ("Aa", "Bb"):
            archive.writestr(f"{label}.txt", "ab\n" * 3_300_000)  # 9.9 MB each: under the 20 MB declared limit
    start = time.perf_counter()
    table = read_upload(path)
    seconds = time.perf_counter() - start
    assert len(table) == limits.MAX_ROWS
    assert "only 1 of its 2 files were read" in table.attrs["cut"] and "50,000 names" in table.attrs["cut"]
    assert seconds < 3, seconds  # ~0.1 s: about 150 KB inflated, not 20 MB


def test_a_csv_and_a_list_over_the_limit_are_cut_and_say_so(tmp_path):
    csv = tmp_path / "big.csv"
    csv.write_text("name,label\n" + "ab,X\n" * (limits.MAX_ROWS + 10))
    lines = tmp_path / "Polish.txt"
    lines.write_text("ab\n" * (limits.MAX_ROWS + 10))
    for path in (csv, lines):
        table = read_upload(path)
        assert len(table) == limits.MAX_ROWS and "50,000" in table.attrs["cut"], path.name
    small = tmp_path / "small.csv"
    small.write_text("name,label\nab,X\n")
    assert "cut" not in read_upload(small).attrs
