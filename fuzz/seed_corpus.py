#!/usr/bin/env python3
"""Write seed inputs for every fuzz target into fuzz/corpus/<target>/, from tests/vectors/ and
core/tests/data/metadata/.

Run by hand, once, or after the vectors gain shapes worth seeding (`python3 fuzz/seed_corpus.py`
from the repository root). It only adds files, named by the SHA-1 of their content as libFuzzer
names its own: nothing committed is ever rewritten or removed, so review `git status` and commit
what is worth keeping. Input formats are those of fuzz/targets/src (see fuzz/README.md).
"""

import base64
import hashlib
import json
import pathlib
import random
import re
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
VECTORS = ROOT / "tests" / "vectors"

# scim_handler record and field separators (ASCII RS and US).
RECORD, FIELD = b"\x1e", b"\x1f"
VARIABLE = re.compile(r"\$\{[A-Za-z0-9_]+\}")


def write(target, data):
    """Add one input; returns True if it was new."""
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / hashlib.sha1(data).hexdigest()
    if path.exists():
        return False
    path.write_bytes(data)
    return True


def saml_cases():
    for path in sorted((VECTORS / "saml").glob("*.json")):
        vector = json.loads(path.read_text())
        for case in vector.get("cases", []):
            if "response" in case:
                yield path.stem, case


def decoded(response):
    if response.lstrip("\ufeff \t\r\n").startswith("<"):
        return response.encode()
    try:
        return base64.b64decode("".join(response.split()), validate=True)
    except ValueError:
        return None


# One response per shape worth starting from; the rest of the vectors differ from these by a
# field or two, which the fuzzer finds on its own.
SAML_PICKS = [
    ("accept", "Entra default: unsigned Response, signed Assertion"),
    ("accept", "both signed (Sign SAML response and assertion)"),
    ("accept", "only the Response signed"),
    ("accept", "ECDSA P-256"),
    ("accept", "IdP-initiated"),
    ("accept", "an InclusiveNamespaces PrefixList"),
    ("accept", "comment injection"),
    ("encrypted", "AES-256-GCM with RSA-OAEP (SHA-1"),
    ("encrypted", "AES-256-CBC"),
    ("encrypted", "an unsigned assertion inside a signed Response"),
    ("input", "X33: XXE"),
    ("profile", "status Responder"),
    ("signature", "a genuine signature with junk in KeyInfo"),
    ("xsw", "XSW3"),
    ("xsw", "XSW8"),
]


def seed_saml():
    cases = list(saml_cases())
    for stem, prefix in SAML_PICKS:
        match = next((c for s, c in cases if s == stem and c["name"].startswith(prefix)), None)
        if match is None:
            print(f"saml_validate: no case {stem}: {prefix!r}", file=sys.stderr)
            continue
        xml = decoded(match["response"])
        if xml is not None:
            write("saml_validate", xml)
    # Encodings the decoder autodetects, on the smallest accepted response.
    smallest = min((decoded(c["response"]) for s, c in cases if s == "accept"), key=len)
    write("saml_validate", base64.b64encode(smallest))
    write("saml_validate", b"\r\n".join(base64.b64encode(smallest)[i : i + 76] for i in range(0, 8000, 76)))

    # saml_validate_mutated recipes: seed index (2 bytes), flags, then edits. Plain recipes over
    # the whole index range, each encoding and request-id choice, then a few random edit lists.
    rng = random.Random(11)
    for i in range(64):
        write("saml_validate_mutated", bytes([0, i * 3, i % 16]))
    for _ in range(48):
        edits = bytes(rng.randrange(256) for _ in range(rng.randrange(4, 24)))
        write("saml_validate_mutated", bytes([0, rng.randrange(192), rng.randrange(16)]) + edits)


C14N_DOCS = [
    '<a xmlns="urn:a" xmlns:b="urn:b"><b:c b:d="1" e="2"/><f xmlns=""/></a>',
    '<p:a xmlns:p="urn:p" xmlns:q="urn:q" xmlns:unused="urn:u"><q:b/><p:c q:x="y"/></p:a>',
    '<a><!-- comment --><?pi data?><![CDATA[<raw> & ]]>text&#13;&#x9;&amp;&lt;&gt;"\'</a>',
    '<a xml:lang="en" xml:space="preserve"><b xml:lang="fr" attr="&#xA;&#9;&quot;"/></a>',
    '<a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c xmlns:p="urn:1"/></p:b></a>',
    '<?xml version="1.0"?>\n<!-- before -->\n<root z="1" a="2" xmlns:z="urn:z" z:a="3"/>\n<!-- after -->',
    '<a xmlns="urn:x"><b xmlns="urn:x"><c xmlns="urn:y"/></b></a>',
    '<e1   a="1"\n  b = \'2\' ></e1   >',
]


def seed_xml_parse():
    """The c14n seeds: the same documents, read by both parsers."""
    for path in sorted((CORPUS / "c14n").iterdir()):
        if path.is_file():
            write("xml_parse", path.read_bytes())


def seed_c14n():
    for doc in C14N_DOCS:
        write("c14n", doc.encode())
    cases = list(saml_cases())
    for stem, prefix in [("accept", "an InclusiveNamespaces PrefixList"), ("accept", "comment injection")]:
        match = next(c for s, c in cases if s == stem and c["name"].startswith(prefix))
        write("c14n", decoded(match["response"]))
    write("c14n", (ROOT / "core/tests/data/metadata/okta.xml").read_bytes())


def seed_metadata():
    for path in sorted((ROOT / "core/tests/data/metadata").glob("*.xml")):
        write("metadata_import", path.read_bytes())


def scim_steps():
    for path in sorted((VECTORS / "scim").glob("*.json")):
        vector = json.loads(path.read_text())
        yield path.stem, vector.get("steps", [])


def body_of(request):
    if "body" in request:
        return json.dumps(request["body"], separators=(",", ":"), ensure_ascii=False).encode()
    if "body_text" in request:
        return request["body_text"].encode()
    if "body_base64" in request:
        return base64.b64decode(request["body_base64"])
    return b""


def placeholders(data, path):
    """Vector variables become the ids the targets substitute at run time."""
    default = "${group}" if "/Groups" in path else "${user}"
    text = data.decode("utf-8", "surrogateescape")
    text = VARIABLE.sub(lambda m: 'W/"1"' if "etag" in m.group(0).lower() else default, text)
    return text.encode("utf-8", "surrogateescape")


def seed_scim():
    filters, patches = set(), set()
    for _, steps in scim_steps():
        for step in steps:
            request = step["request"]
            for values in urllib.parse.parse_qs(request.get("query", ""), keep_blank_values=True).get("filter", []):
                filters.add(values)
            body = request.get("body")
            if isinstance(body, dict) and isinstance(body.get("filter"), str):
                filters.add(body["filter"])
            if request["method"].upper() == "PATCH":
                path = request["path"]
                # A user's manager is the seeded manager; group members are the seeded user.
                data = body_of(request)
                if path.startswith("/Users"):
                    data = placeholders(data, path).replace(b"${user}", b"${manager}")
                else:
                    data = placeholders(data, path)
                patches.add(data)
    for f in sorted(filters):
        write("scim_filter", f.encode())
    for p in sorted(patches):
        write("scim_patch", p)

    # scim_handler: the first steps of each scenario as one request sequence (the target takes
    # at most eight requests per input).
    for _, steps in scim_steps():
        records = []
        for step in steps[:8]:
            r = step["request"]
            path = r["path"]
            fields = [
                r["method"].encode(),
                placeholders(path.encode(), path),
                placeholders(r.get("query", "").encode(), path),
                placeholders(body_of(r), path),
            ]
            for name, value in (r.get("headers") or {}).items():
                fields.append(placeholders(f"{name}: {value}".encode(), path))
            if "auth" not in r and not any(k.lower() == "authorization" for k in (r.get("headers") or {})):
                fields.append(b"Authorization:")
            records.append(FIELD.join(fields))
        write("scim_handler", RECORD.join(records))


def main():
    seed_saml()
    seed_c14n()
    seed_xml_parse()
    seed_metadata()
    seed_scim()
    for folder in sorted(CORPUS.iterdir()):
        files = list(folder.iterdir())
        size = sum(f.stat().st_size for f in files)
        print(f"{folder.name}: {len(files)} inputs, {size // 1024} KB")


if __name__ == "__main__":
    main()
