#!/usr/bin/env python3
"""Checks the .docx and .odt files baocao writes, as Word and LibreOffice would read them.

validate.py [--strict] FILE...   exit 0: no errors; 1: errors (or warnings with --strict);
                                  2: the checks could not run (run install.sh first).
validate.py --self-check         loads the Open XML SDK and finds the schemas and jing.
validate.py --self-test GOOD.docx GOOD.odt   breaks both in known ways; each must be caught.

.docx: the zip reads with good CRCs; every XML part is well-formed; every part has a
content type; every internal relationship points at a part that exists; then Microsoft's
Open XML SDK validator (Office 2019 rules) over the whole package.
.odt: the mimetype entry comes first, stored, with the text mimetype; every part the
manifest lists exists; content.xml, styles.xml, meta.xml and settings.xml against the
OASIS OpenDocument RELAX NG schema of the document's version, and the manifest against
the manifest schema, with jing.
"""
import importlib.util
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
import zipfile

from lxml import etree

PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class Report:
    def __init__(self, path):
        self.path = path
        self.errors = []
        self.warnings = []

    def error(self, part, msg):
        self.errors.append(f"{part}: {msg}")

    def warn(self, part, msg):
        self.warnings.append(f"{part}: {msg}")


def parse(z, name, rep):
    try:
        return etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as e:
        rep.error(name, f"not well-formed XML: {e}")
    except Exception as e:  # noqa: BLE001 - a bad CRC or undecodable data
        rep.error(name, f"cannot be read: {e}")
    return None


def read_zip(path, rep):
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        rep.error("-", f"not a zip package: {e}")
        return None
    bad = z.testzip()
    if bad is not None:
        rep.error(bad, "bad CRC")
    return z


# ----------------------------------------------------------------------------- .docx

_SDK = None


def load_sdk():
    global _SDK
    if _SDK is None:
        runtime = importlib.util.find_spec("dnv")
        dlls = importlib.util.find_spec("powerpoint_commenter")
        if runtime is None or dlls is None:
            raise RuntimeError("the Open XML SDK is not installed: run .ci/validate/install.sh")
        base = os.path.join(list(runtime.submodule_search_locations)[0], "net", "runtime")
        os.environ.setdefault("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        os.environ.setdefault("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        from clr_loader import get_coreclr
        from pythonnet import set_runtime

        set_runtime(get_coreclr(runtime_config=os.path.join(base, "runtimeconfig.json"),
                                dotnet_root=os.path.join(base, ".net")))
        import clr

        bindir = os.path.join(os.path.dirname(dlls.origin), "bin")
        for dll in ("System.IO.Packaging", "DocumentFormat.OpenXml.Framework", "DocumentFormat.OpenXml"):
            clr.AddReference(os.path.join(bindir, dll + ".dll"))
        from DocumentFormat.OpenXml import FileFormatVersions
        from DocumentFormat.OpenXml.Packaging import WordprocessingDocument
        from DocumentFormat.OpenXml.Validation import OpenXmlValidator

        _SDK = (FileFormatVersions, WordprocessingDocument, OpenXmlValidator)
    return _SDK


def check_docx(path, rep):
    z = read_zip(path, rep)
    if z is None:
        return
    names = set(z.namelist())
    trees = {}
    for name in sorted(names):
        if name.endswith(".xml") or name.endswith(".rels"):
            trees[name] = parse(z, name, rep)
    types = trees.get("[Content_Types].xml")
    if "[Content_Types].xml" not in names:
        rep.error("[Content_Types].xml", "missing")
    elif types is not None:
        overrides = {e.get("PartName").lstrip("/") for e in types.iter(f"{{{CT}}}Override")}
        defaults = {e.get("Extension").lower() for e in types.iter(f"{{{CT}}}Default")}
        for name in sorted(names):
            if name.endswith("/") or name == "[Content_Types].xml":
                continue
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if name not in overrides and ext not in defaults:
                rep.error(name, "no content type for this part")
        for part in sorted(overrides - names):
            rep.error("[Content_Types].xml", f"names /{part}, which is not in the package")
    for name, tree in sorted(trees.items()):
        if not name.endswith(".rels") or tree is None:
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        for rel in tree.iter(f"{{{PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                rep.warn(name, f"external relationship {rel.get('Id')} → {target}")
                continue
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            if full not in names:
                rep.error(name, f"relationship {rel.get('Id')} points at {full}, which is not in the package")
    z.close()
    if rep.errors:
        return  # the SDK's view of a broken package adds nothing but noise
    versions, doc_type, validator = load_sdk()
    doc = doc_type.Open(path, False)
    try:
        v = validator(versions.Office2019)
        v.MaxNumberOfErrors = 0
        for e in v.Validate(doc):
            part = str(e.Part.Uri) if e.Part is not None else "-"
            where = e.Path.XPath if e.Path is not None else ""
            rep.error(part, f"{e.Id} at {where}: {e.Description}")
    finally:
        doc.Dispose()


# ----------------------------------------------------------------------------- .odt

def schemas():
    spec = importlib.util.find_spec("openxml_audit")
    if spec is None:
        raise RuntimeError("the ODF schemas are not installed: run .ci/validate/install.sh")
    return os.path.join(list(spec.submodule_search_locations)[0], "odf", "schemas")


def jing(schema, files, rep, parts):
    # -i: the ODF schemas declare ID types that jing's ID checking rejects as a schema
    # error; the OASIS schemas are meant to be used without it.
    out = subprocess.run(["jing", "-i", schema, *files], capture_output=True, text=True)
    for line in (out.stdout + out.stderr).splitlines():
        line = line.strip()
        # Debian's launcher names optional jars it cannot find: not about the document.
        if not line or line.startswith("[warning] /usr/bin/jing"):
            continue
        # "/tmp/x/content.xml:12:34: error: ..." → "content.xml:12:34: ..."
        for file, part in zip(files, parts):
            if line.startswith(file):
                line = part + line[len(file):]
        rep.error("schema", line)
    if out.returncode not in (0, 1):
        rep.error("schema", f"jing failed ({out.returncode})")


def check_odt(path, rep):
    z = read_zip(path, rep)
    if z is None:
        return
    infos = z.infolist()
    if not infos or infos[0].filename != "mimetype":
        rep.error("mimetype", "must be the first entry")
    elif infos[0].compress_type != zipfile.ZIP_STORED:
        rep.error("mimetype", "must be stored, not compressed")
    elif z.read("mimetype") != b"application/vnd.oasis.opendocument.text":
        rep.error("mimetype", "is not application/vnd.oasis.opendocument.text")
    names = set(z.namelist())
    manifest = parse(z, "META-INF/manifest.xml", rep) if "META-INF/manifest.xml" in names else None
    if manifest is None:
        rep.error("META-INF/manifest.xml", "missing or unreadable")
    else:
        ns = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
        for entry in manifest.iter(f"{{{ns}}}file-entry"):
            full = entry.get(f"{{{ns}}}full-path", "")
            if full not in ("/", "") and not full.endswith("/") and full not in names:
                rep.error("META-INF/manifest.xml", f"lists {full}, which is not in the package")
    parts = [p for p in ("content.xml", "styles.xml", "meta.xml", "settings.xml") if p in names]
    version = None
    for part in parts:
        tree = parse(z, part, rep)
        if tree is not None and version is None:
            version = tree.get(f"{{{OFFICE}}}version")
    if rep.errors:
        z.close()
        return
    if version not in ("1.2", "1.3"):
        rep.warn("content.xml", f"office:version {version!r}: checked against ODF 1.3")
        version = "1.3"
    folder = os.path.join(schemas(), f"odf-{version}")
    suffix = "-os" if version == "1.2" else ""
    tmp = tempfile.mkdtemp(prefix="baocao-validate-")
    try:
        files = []
        for part in parts + ["META-INF/manifest.xml"]:
            file = os.path.join(tmp, part.replace("/", "_"))
            with open(file, "wb") as f:
                f.write(z.read(part))
            files.append(file)
        jing(os.path.join(folder, f"OpenDocument-v{version}{suffix}-schema.rng"), files[:-1], rep, parts)
        jing(os.path.join(folder, f"OpenDocument-v{version}{suffix}-manifest-schema.rng"),
             files[-1:], rep, ["META-INF/manifest.xml"])
    finally:
        shutil.rmtree(tmp)
        z.close()


def self_test(docx, odt):
    """Breaks good files in known ways and checks that each fault is found."""
    faults = [
        (docx, "word/document.xml", lambda d: d[: len(d) // 2], "cut short"),
        (docx, "word/document.xml", lambda d: d.replace(b"<w:body>", b"<w:body><w:bogus/>", 1), "unknown element"),
        (docx, "word/_rels/document.xml.rels", lambda d: d.replace(b'Target="styles.xml"', b'Target="x.xml"'), "dangling relationship"),
        (docx, "[Content_Types].xml", lambda d: d.replace(b'Extension="rels"', b'Extension="relx"'), "no content type"),
        (odt, "content.xml", lambda d: d.replace(b"<office:text>", b"<office:text><text:bogus/>", 1), "unknown element"),
        (odt, "META-INF/manifest.xml", lambda d: d.replace(b"</manifest:manifest>", b'<manifest:file-entry manifest:full-path="x.xml" manifest:media-type="text/xml"/></manifest:manifest>'), "missing part"),
    ]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="baocao-selftest-") as tmp:
        for i, (src, part, change, what) in enumerate(faults):
            dst = os.path.join(tmp, f"{i}{os.path.splitext(src)[1]}")
            with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
                for info in zi.infolist():
                    data = zi.read(info.filename)
                    zo.writestr(info, change(data) if info.filename == part else data)
            rep = Report(dst)
            (check_docx if dst.endswith(".docx") else check_odt)(dst, rep)
            found = bool(rep.errors)
            print(f"self-test: {part} {what}: {'caught' if found else 'MISSED'}")
            failed += not found
    good = [Report(docx), Report(odt)]
    check_docx(docx, good[0])
    check_odt(odt, good[1])
    for rep in good:
        if rep.errors:
            print(f"self-test: {rep.path} should be valid: {rep.errors[0]}")
            failed += 1
    return 1 if failed else 0


def main(argv):
    if len(argv) == 3 and argv[0] == "--self-test":
        return self_test(argv[1], argv[2])
    if argv == ["--self-check"]:
        load_sdk()
        schemas()
        if shutil.which("jing") is None:
            raise RuntimeError("jing is not installed: run .ci/validate/install.sh")
        return 0
    strict = "--strict" in argv
    files = [a for a in argv if a != "--strict"]
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    errors = warnings = 0
    for path in files:
        rep = Report(path)
        if path.endswith(".docx"):
            check_docx(path, rep)
        elif path.endswith(".odt"):
            check_odt(path, rep)
        else:
            rep.error("-", "neither .docx nor .odt")
        for line in rep.errors:
            print(f"{path}: ERROR {line}")
        for line in rep.warnings:
            print(f"{path}: WARNING {line}")
        verdict = "ok" if not rep.errors and not (strict and rep.warnings) else "FAILED"
        print(f"{path}: {verdict} ({len(rep.errors)} errors, {len(rep.warnings)} warnings)")
        errors += len(rep.errors)
        warnings += len(rep.warnings)
    print(f"{len(files)} files, {errors} errors, {warnings} warnings")
    return 1 if errors or (strict and warnings) else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RuntimeError as e:
        print(f"validate.py: {e}", file=sys.stderr)
        sys.exit(2)
