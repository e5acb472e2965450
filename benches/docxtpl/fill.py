"""docxtpl doing baocao's job on a folder of commune workbooks, as a Python user
would write it: openpyxl reads each workbook (every sheet, values and styles),
the labels and tables the starter manifest names are picked out, and docxtpl fills
the same Word form (the starter form `baocao inspect --mau-docx` made) and saves it.

    python fill.py MANIFEST_DIR WORKBOOK_DIR OUT_DIR PROCESSES

Prints the wall time. Run by compare.sh, which also times baocao on the same files.
"""

import multiprocessing
import os
import sys
import time
import tomllib

import jinja2

from docxtpl import DocxTemplate
from openpyxl import load_workbook

MANIFEST = None
FORM = None


def number(value, decimals=None):
    """1234.5 → «1.234,5», as the form's so() filter writes it."""
    if value is None or value == "":
        return ""
    if not isinstance(value, (int, float)):
        return str(value)
    if decimals is None:
        decimals = 0 if float(value).is_integer() else min(len(repr(float(value)).split(".")[1]), 2)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def so(row, key):
    return number(row.get(key))


def ngay(value):
    if hasattr(value, "day"):
        return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"
    return str(value)


def text(value):
    return "" if value is None else str(value).strip()


def labels(sheet, fields):
    """Each field's value: the first non-empty cell right of the cell holding its label."""
    wanted = {}
    for key, spec in fields.items():
        wanted.setdefault(spec["nhan"].casefold(), []).append(key)
    found = {key: "" for key in fields}
    for row in sheet.iter_rows(values_only=True):
        for i, cell in enumerate(row):
            for key in wanted.get(text(cell).casefold(), []):
                if found[key] == "":
                    found[key] = next((v for v in row[i + 1 :] if text(v)), "")
    return found


def table(sheet, columns):
    """The rows under the header row (the one holding the first column's title), a
    column found by its title, or by the last part of a two-row title."""
    rows = list(sheet.iter_rows(values_only=True))
    first = columns[next(iter(columns))]["tieu_de"].split(" / ")[-1].casefold()
    start = next((i for i, r in enumerate(rows) if any(text(c).casefold() == first for c in r)), None)
    if start is None:
        return []
    heads = [[text(c).casefold() for c in rows[start]]]
    if start + 1 < len(rows):
        heads.append([text(c).casefold() for c in rows[start + 1]])
    index = {}
    for key, spec in columns.items():
        title = spec["tieu_de"].split(" / ")[-1].casefold()
        for head in heads:
            if title in head and key not in index:
                index[key] = head.index(title)
    body = start + (2 if any(heads[-1]) and len(heads) > 1 else 1)
    out = []
    for r in rows[body:]:
        if not any(text(c) for c in r):
            break
        row = {key: (r[i] if i < len(r) and r[i] is not None else "") for key, i in index.items()}
        first_cell = text(r[0]) if r else ""
        kind = "tong" if first_cell.lower().startswith("tổng") else ("nhom" if first_cell[:1].isalpha() else "")
        row["_loai"] = kind
        out.append(row)
    return out


def fill(path):
    book = load_workbook(path, data_only=True)
    context = {}
    for name, spec in MANIFEST["du_lieu"].items():
        sheet = book[spec["trang_tinh"]] if spec["trang_tinh"] in book.sheetnames else None
        if sheet is None:
            context[name] = {} if spec["loai"] == "nhan" else []
        elif spec["loai"] == "nhan":
            context[name] = labels(sheet, spec["truong"])
        else:
            context[name] = table(sheet, spec["cot"])
    tt = context.get("tt", {})
    so_bc = text(tt.get("so_bao_cao"))
    context["don_vi"] = {"loai": "xã", "ten": text(tt.get("ten_xa")).removeprefix("xã ").removeprefix("Xã ")}
    context["van_ban"] = {
        "loai": "Báo cáo",
        "so": so_bc.split("/")[0],
        "ky_hieu": "BC",
        "co_quan_viet_tat": "UBND",
        "dia_danh": context["don_vi"]["ten"],
        "ngay": tt.get("ngay_bao_cao"),
        "nam": tt.get("nam_bao_cao"),
        "trich_yeu": f"Kết quả thực hiện nhiệm vụ năm {text(tt.get('nam_bao_cao'))}",
        "quyen_han_ky": "TM. ỦY BAN NHÂN DÂN",
        "chuc_vu": "CHỦ TỊCH",
        "nguoi_ky": text(tt.get("chu_tich_ubnd_xa")),
        "noi_nhan": [f"UBND huyện {text(tt.get('huyen'))};", "Lưu: VT."],
    }
    form = DocxTemplate(FORM)
    env = jinja2.Environment()
    env.filters["so"] = so
    env.filters["ngay"] = ngay
    form.render(context, env)
    out = os.path.join(OUT, os.path.splitext(os.path.basename(path))[0] + ".docx")
    form.save(out)
    return out


def init(manifest_dir, out):
    global MANIFEST, FORM, OUT
    with open(os.path.join(manifest_dir, "manifest.toml"), "rb") as f:
        MANIFEST = tomllib.load(f)
    FORM = os.path.join(manifest_dir, MANIFEST.get("noi_dung", "mau.docx"))
    OUT = out


def main():
    manifest_dir, workbooks, out, processes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    files = sorted(os.path.join(workbooks, f) for f in os.listdir(workbooks) if f.endswith(".xlsx"))
    started = time.monotonic()
    with multiprocessing.Pool(processes, initializer=init, initargs=(manifest_dir, out)) as pool:
        written = pool.map(fill, files, chunksize=8)
    wall = time.monotonic() - started
    print(f"docxtpl: {len(written)} reports in {wall:.2f} s ({len(written) / wall:.1f}/s, {processes} processes)")


if __name__ == "__main__":
    main()
