#!/usr/bin/env python3
"""A CSV of indicator values for `dtz import values` (bench/run, issue 8): the values of
whole reports of programme SCALE in an SQLite database filled by `dtz demo --scale N`, for
hand-entered indicators only, in the programme's countries (generators before the third
bulk-writes pass also wrote reports elsewhere, which an import refuses; the filter keeps
such databases usable), report after report until at least ROWS rows. The generator
draws the same ids from the same seed on both databases, so the file imports into either.

Usage: values_csv.py SQLITE_FILE ROWS OUT.csv   (prints the rows written)
"""
import csv
import sqlite3
import sys
import uuid

db, want, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db)
rows = con.execute(
    """SELECT r.id, i.code, r.country, r.org_id, r.period, v.part, v.value, v.numerator, v.denominator, v.text_value
       FROM data_values v JOIN reports r ON r.id = v.report_id JOIN indicators i ON i.id = v.indicator_id
       JOIN programmes p ON p.id = r.programme_id
       WHERE p.code = 'SCALE' AND i.source = 'manual'
         AND r.country IN (SELECT pc.country FROM programme_countries pc WHERE pc.programme_id = p.id)
       ORDER BY r.id, i.code, v.part"""
)
n, last = 0, None
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["indicator", "country", "organisation", "period", "part", "value", "numerator", "denominator", "text"])
    for rid, code, country, org, period, part, value, num, den, text in rows:
        if rid != last and n >= want:
            break
        last = rid
        w.writerow([code, country, str(uuid.UUID(bytes=org)), period, part,
                    "" if value is None else value, "" if num is None else num,
                    "" if den is None else den, text or ""])
        n += 1
print(n)
