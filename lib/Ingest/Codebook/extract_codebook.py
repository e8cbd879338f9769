"""Writes brfss2024_codebook.csv (shipped inside the library) from the CDC 2024 codebook facts in a folder holding
CDC's codebook HTML (USCODE24_LLCP_082125.HTML) and the key variables' table transcribed from it
(codebook_2024_key_vars_detail.csv; see SOURCES.md): codes, labels, counts and weighted percentages, plus
POORHLTH and _STATE, which are read from the HTML. Run once by a developer:
    /usr/bin/python3 lib/Ingest/Codebook/extract_codebook.py <codebook folder>
Only published codebook aggregates go into the output; no survey rows.
"""
import csv, html, re, sys
from pathlib import Path

src = Path(sys.argv[1])
out = Path(__file__).with_name('brfss2024_codebook.csv')
rows = []
with open(src / 'codebook_2024_key_vars_detail.csv', newline='', encoding='utf-8') as f:
    for r in csv.DictReader(f):
        rows.append([r['variable'], r['code'], r['label'], r['frequency'], r['weighted_percentage']])

text = open(src / 'USCODE24_LLCP_082125.HTML', encoding='latin-1').read()
text = html.unescape(text.replace('&nbsp;', ' '))
for variable in ['POORHLTH', '_STATE']:
    start = text.find(f'SAS Variable Name: {variable}<')
    end = text.find('SAS Variable Name:', start + 30)
    cells = [re.sub(r'\s+', ' ', c).strip() for c in re.split(r'<[^>]+>', text[start:end])]
    cells = [c for c in cells if c]
    i = cells.index('Weighted Percentage') + 1
    while i < len(cells) and not cells[i].startswith('Label:'):
        code, label = cells[i], cells[i + 1]
        j = i + 2
        while cells[j].startswith('Notes:'):
            j += 1
        frequency, weighted = cells[j].replace(',', ''), cells[j + 2]
        label = label.replace('\ufffd', "'").replace('ï¿½', "'")
        rows.append([variable, code.replace(' ', ''), label, frequency, '' if weighted == '.' else weighted])
        i = j + 3

with open(out, 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['variable', 'code', 'label', 'frequency', 'weighted_percentage'])
    w.writerows(rows)
print(f'{len(rows)} rows -> {out}')
