//! Exclusive c14n checked against independent implementations.
//!
//! 1. Differential test against the `xmlsec1` CLI (libxml2's c14n): a deterministic generator
//!    writes SAML-like documents full of namespace, escaping and node-type corner cases, each
//!    with a signature template; xmlsec1 signs them all in a few batched runs, printing the
//!    exact bytes it digested and signed (`--store-references --store-signatures`). Our
//!    canonical form must equal those bytes, hash to the DigestValue xmlsec1 wrote, and make
//!    the SignatureValue verify. xmlsec1 is required: without it the test fails.
//! 2. The genuine Entra ID assertions in `../shared/fixtures/saml/entra/` (read in place,
//!    never copied): digest and signature must verify with our canonical forms.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sso_scim_core::internal::xml::c14n::{C14nOptions, canonicalize};
use sso_scim_core::internal::xml::{Document, Node, XmlLimits, parse_document};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const NS_EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// How many random documents the differential test signs and checks by default.
const DOCUMENTS: usize = 400;
/// Documents per xmlsec1 run: one process start-up per batch instead of per document.
const BATCH: usize = 50;
/// Fixed so any failure reproduces.
const SEED: u64 = 0x5eed_c14e_2024_0001;

/// `C14N_XMLSEC_SEED` / `C14N_XMLSEC_DOCUMENTS` explore other documents without editing.
fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => {
            let parsed = match value.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => value.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("{name}={value}: {e}"))
        }
        Err(_) => default,
    }
}

// ---- Deterministic generator -------------------------------------------------------------

/// xorshift64: tiny, deterministic, good enough to pick structure.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Prefixes the generator declares (never `ds`, which the signature templates own, and never
/// `ec`, used by InclusiveNamespaces).
const PREFIXES: &[&str] = &["saml", "samlp", "xs", "xsi", "p", "q", "n1", "z9"];

/// (source form, value) of the namespace names the generator binds. libxml2's c14n refuses
/// relative namespace URIs, so all are absolute. None contains `&`, `<` or `"`: libxml2 keeps
/// `&amp;` in a namespace declaration as the literal text `&#38;` and prints namespace values
/// unescaped, where C14N escapes them like attribute values (our unit tests cover that).
const NAMESPACES: &[(&str, &str)] = &[
    (NS_ASSERTION, NS_ASSERTION),
    (NS_PROTOCOL, NS_PROTOCOL),
    ("http://www.w3.org/2001/XMLSchema", "http://www.w3.org/2001/XMLSchema"),
    ("http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/2001/XMLSchema-instance"),
    ("urn:x:one", "urn:x:one"),
    ("urn:x:two", "urn:x:two"),
    ("http://example.com/ns?a=1;b=%C3%A9#f", "http://example.com/ns?a=1;b=%C3%A9#f"),
];

const ELEMENT_NAMES: &[&str] = &["Attribute", "AttributeValue", "Subject", "NameID", "x", "Item", "a-b", "c.d", "Ünï"];
const ATTRIBUTE_NAMES: &[&str] = &["a", "b", "Name", "Format", "type", "z", "Ä"];

/// Pieces of text content, as written in the source.
const TEXT_PIECES: &[&str] = &[
    "abc",
    "Z",
    " ",
    "  ",
    "\n",
    "\t",
    "&amp;",
    "&lt;",
    "&gt;",
    ">",
    "\"",
    "'",
    "&#13;",
    "&#xD;",
    "\r\n",
    "\r",
    "é",
    "中文",
    "😀",
    "&#x1F600;",
    "&#169;",
    "&quot;",
    "&apos;",
];

/// Pieces of attribute values for a `"`-delimited value (the `'` delimiter swaps the quotes).
const ATTRIBUTE_PIECES: &[&str] = &[
    "v", "W1", " ", "&amp;", "&lt;", ">", "'", "&quot;", "&#9;", "&#10;", "&#13;", "&#xD;", "\t", "\n", "\r\n", "é",
    "😀", "&#x20;",
];

/// Pieces of comments, PIs and CDATA sections (never `-`, `?` or `]`, so no terminator forms).
const RAW_PIECES: &[&str] = &["c", "dd", " ", "\n", "\r\n", "\r", "<", "&", ">", "\"", "'", "é", "\t", "x-y"];

#[derive(Clone, Copy)]
struct Binding {
    prefix: &'static str,
    /// "" for an undeclared default namespace.
    uri: &'static str,
}

/// What a generated document asks xmlsec1 to do, and so what our canonicalization must use.
struct Case {
    id: String,
    input: String,
    /// Comments survive the reference only for `#xpointer(id(..))` with the WithComments
    /// transform: a bare `#id` reference drops them whatever the transform says.
    reference_comments: bool,
    reference_prefixes: Vec<&'static str>,
    signed_info_comments: bool,
    signed_info_prefixes: Vec<&'static str>,
}

struct Generator {
    rng: Rng,
    scope: Vec<Binding>,
    out: String,
}

impl Generator {
    fn bound(&self, prefix: &str) -> Option<&'static str> {
        self.scope.iter().rev().find(|b| b.prefix == prefix).map(|b| b.uri)
    }

    fn bound_prefixes(&self) -> Vec<&'static str> {
        let mut prefixes: Vec<&'static str> =
            self.scope.iter().map(|b| b.prefix).filter(|p| !p.is_empty() && *p != "ds").collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        prefixes
    }

    fn pieces(&mut self, pieces: &[&str], max: usize) -> String {
        (0..self.rng.below(max + 1)).map(|_| self.rng.pick(pieces)).collect()
    }

    /// 0–2 random declarations (some to be used, some not, some `xmlns=""`), pushed on scope.
    fn declarations(&mut self, parts: &mut Vec<String>, taken: &mut Vec<&'static str>, percent: u64) {
        let count = if self.rng.percent(percent) { 1 + self.rng.below(2) } else { 0 };
        for _ in 0..count {
            let prefix = if self.rng.percent(30) { "" } else { self.rng.pick(PREFIXES) };
            if taken.contains(&prefix) {
                continue;
            }
            taken.push(prefix);
            // Undeclaring a non-empty default is what makes exclusive c14n write `xmlns=""`.
            let undeclare = prefix.is_empty()
                && self.rng.percent(if self.bound("").is_some_and(|u| !u.is_empty()) { 70 } else { 20 });
            let (source, value) = if undeclare { ("", "") } else { self.rng.pick(NAMESPACES) };
            if prefix.is_empty() {
                parts.push(format!("xmlns=\"{source}\""));
            } else {
                parts.push(format!("xmlns:{prefix}='{source}'"));
            }
            self.scope.push(Binding { prefix, uri: value });
        }
    }

    /// 0–3 attributes: unprefixed, prefixed with an in-scope prefix, or xml:*.
    fn attributes(&mut self, parts: &mut Vec<String>) {
        let prefixes = self.bound_prefixes();
        let mut names: Vec<(&str, &str)> = Vec::new();
        for _ in 0..self.rng.below(4) {
            let (prefix, namespace, local) = match self.rng.below(10) {
                0 => ("xml", XML_NS, self.rng.pick(&["lang", "space", "base"])),
                1..=4 if !prefixes.is_empty() => {
                    let prefix = self.rng.pick(&prefixes);
                    (prefix, self.bound(prefix).unwrap_or(""), self.rng.pick(ATTRIBUTE_NAMES))
                }
                _ => ("", "", self.rng.pick(ATTRIBUTE_NAMES)),
            };
            // Two prefixes for one URI would make a duplicate expanded name.
            if names.contains(&(namespace, local)) {
                continue;
            }
            names.push((namespace, local));
            let qname = if prefix.is_empty() { local.to_owned() } else { format!("{prefix}:{local}") };
            // libxml2 rejects any xml:space value but these two.
            let value = if local == "space" {
                self.rng.pick(&["default", "preserve"]).to_owned()
            } else {
                self.pieces(ATTRIBUTE_PIECES, 6)
            };
            let spacing = self.rng.pick(&["=", " = ", "\n=\t"]);
            if self.rng.percent(50) {
                parts.push(format!("{qname}{spacing}\"{value}\""));
            } else {
                let value = value.replace('\'', "&apos;").replace("&quot;", "\"");
                parts.push(format!("{qname}{spacing}'{value}'"));
            }
        }
    }

    fn start_tag(&mut self, qname: &str, mut parts: Vec<String>) {
        // Declarations and attributes in any order: neither parser nor c14n may care.
        for i in (1..parts.len()).rev() {
            let j = self.rng.below(i + 1);
            parts.swap(i, j);
        }
        self.out.push('<');
        self.out.push_str(qname);
        for part in parts {
            self.out.push_str(self.rng.pick(&[" ", "  ", "\n  ", "\t"]));
            self.out.push_str(&part);
        }
        if self.rng.percent(20) {
            self.out.push(' ');
        }
    }

    fn content_node(&mut self, depth: usize) {
        match self.rng.below(12) {
            0..=3 => {
                // Lone CRs anywhere, next to references too: the parser normalises them all.
                let text = self.pieces(TEXT_PIECES, 5);
                self.out.push_str(&text);
            }
            4..=7 => self.element(depth + 1),
            8 | 9 => {
                let body = self.pieces(RAW_PIECES, 4);
                self.out.push_str(&format!("<!--{body}-->"));
            }
            10 => {
                let target = self.rng.pick(&["pi", "x-y", "target"]);
                let space = self.rng.pick(&["", " ", "   "]);
                let body = self.pieces(RAW_PIECES, 4);
                let body = if space.is_empty() { String::new() } else { body };
                self.out.push_str(&format!("<?{target}{space}{body}?>"));
            }
            _ => {
                let body = self.pieces(RAW_PIECES, 4);
                self.out.push_str(&format!("<![CDATA[{body}]]>"));
            }
        }
    }

    fn element(&mut self, depth: usize) {
        let mark = self.scope.len();
        let mut parts = Vec::new();
        self.declarations(&mut parts, &mut Vec::new(), 35);
        let prefixes = self.bound_prefixes();
        let prefix = if prefixes.is_empty() || self.rng.percent(40) { "" } else { self.rng.pick(&prefixes) };
        let local = self.rng.pick(ELEMENT_NAMES);
        let qname = if prefix.is_empty() { local.to_owned() } else { format!("{prefix}:{local}") };
        self.attributes(&mut parts);
        self.start_tag(&qname, parts);
        if depth >= 6 || self.rng.percent(25) {
            if self.rng.percent(50) {
                self.out.push_str("/>");
            } else {
                self.out.push_str(&format!("></{qname}>"));
            }
        } else {
            self.out.push('>');
            for _ in 0..self.rng.below(6) {
                self.content_node(depth);
            }
            self.out.push_str(&format!("</{qname}>"));
        }
        self.scope.truncate(mark);
    }

    fn prefix_list(&mut self) -> Option<Vec<&'static str>> {
        if !self.rng.percent(40) {
            return None;
        }
        let mut list = Vec::new();
        for _ in 0..1 + self.rng.below(3) {
            let token = if self.rng.percent(25) {
                self.rng.pick(&["#default", "ds", "absent", "xml"])
            } else {
                self.rng.pick(PREFIXES)
            };
            if !list.contains(&token) {
                list.push(token);
            }
        }
        Some(list)
    }

    /// One document: an Assertion (maybe inside a Response) with a signature template.
    fn document(&mut self, index: usize) -> Case {
        self.scope.clear();
        self.out.clear();
        let id = format!("_c14n-{index}");

        // Where the dsig prefix is declared: on Signature, as its default namespace, on the
        // Assertion or on the Response (the last two make SignedInfo inherit it).
        let wrapped = self.rng.percent(50);
        let dsig_at = self.rng.below(if wrapped { 4 } else { 3 });

        if wrapped {
            self.open_response(dsig_at);
        }

        // The Assertion: its own prefix declared here or inherited, sometimes the default.
        let mark = self.scope.len();
        let qname = self.open_assertion(&id, dsig_at);
        self.out.push('>');

        let children = 1 + self.rng.below(5);
        let signature_at = self.rng.below(children + 1);
        let mut case = None;
        for i in 0..=children {
            if i == signature_at {
                case = Some(self.signature(&id, dsig_at));
            }
            if i < children {
                self.content_node(1);
            }
        }
        self.out.push_str(&format!("</{qname}>"));
        self.scope.truncate(mark);

        if wrapped {
            for _ in 0..self.rng.below(3) {
                self.content_node(1);
            }
            self.out.push_str("</samlp:Response>");
        }
        let mut case = case.expect("the signature template was written");
        case.input = self.out.clone();
        case
    }

    /// The start of a Response around the Assertion, with some content before it. `dsig_at` 3
    /// declares the dsig prefix here.
    fn open_response(&mut self, dsig_at: usize) {
        let mut parts = vec![format!("xmlns:samlp=\"{NS_PROTOCOL}\""), "ID=\"_response\"".to_owned()];
        self.scope.push(Binding { prefix: "samlp", uri: NS_PROTOCOL });
        let mut taken = vec!["samlp"];
        if self.rng.percent(50) {
            parts.push(format!("xmlns:saml=\"{NS_ASSERTION}\""));
            self.scope.push(Binding { prefix: "saml", uri: NS_ASSERTION });
            taken.push("saml");
        }
        if dsig_at == 3 {
            parts.push(format!("xmlns:ds=\"{NS_DSIG}\""));
            self.scope.push(Binding { prefix: "ds", uri: NS_DSIG });
        }
        self.declarations(&mut parts, &mut taken, 70);
        self.start_tag("samlp:Response", parts);
        self.out.push('>');
        for _ in 0..self.rng.below(3) {
            self.content_node(1);
        }
    }

    /// The Assertion's start tag, its prefix declared here or inherited, sometimes the default
    /// namespace; `dsig_at` 2 declares the dsig prefix here. Returns its qualified name.
    fn open_assertion(&mut self, id: &str, dsig_at: usize) -> String {
        let mut parts = vec![format!("ID=\"{id}\"")];
        let mut taken = Vec::new();
        let assertion_prefix = if self.bound("saml") == Some(NS_ASSERTION) && self.rng.percent(60) {
            // Inherited from the Response: must not be rebound here.
            taken.push("saml");
            "saml"
        } else if self.rng.percent(50) {
            let prefix = self.rng.pick(&["saml", "saml2", "a"]);
            parts.push(format!("xmlns:{prefix}=\"{NS_ASSERTION}\""));
            self.scope.push(Binding { prefix, uri: NS_ASSERTION });
            taken.push(prefix);
            prefix
        } else {
            parts.push(format!("xmlns=\"{NS_ASSERTION}\""));
            self.scope.push(Binding { prefix: "", uri: NS_ASSERTION });
            taken.push("");
            ""
        };
        if dsig_at == 2 {
            parts.push(format!("xmlns:ds=\"{NS_DSIG}\""));
            self.scope.push(Binding { prefix: "ds", uri: NS_DSIG });
        }
        self.declarations(&mut parts, &mut taken, 60);
        self.attributes(&mut parts);
        let qname =
            if assertion_prefix.is_empty() { "Assertion".to_owned() } else { format!("{assertion_prefix}:Assertion") };
        self.start_tag(&qname, parts);
        qname
    }

    /// A signature template; returns the case parameters it implies.
    fn signature(&mut self, id: &str, dsig_at: usize) -> Case {
        let (ds, declaration) = match dsig_at {
            0 => ("ds:", format!(" xmlns:ds=\"{NS_DSIG}\"")),
            1 => ("", format!(" xmlns=\"{NS_DSIG}\"")),
            _ => ("ds:", String::new()),
        };
        let pretty = self.rng.percent(40);
        let nl = if pretty { "\n  " } else { "" };

        let signed_info_comments = self.rng.percent(30);
        let signed_info_prefixes = self.prefix_list();
        let (xpointer, reference_comments_transform) = match self.rng.below(10) {
            0..=2 => (true, true),
            3 => (false, true),
            4 => (true, false),
            _ => (false, false),
        };
        let reference_prefixes = self.prefix_list();

        let inclusive = |list: &Option<Vec<&str>>| match list {
            Some(list) => format!("<ec:InclusiveNamespaces xmlns:ec=\"{NS_EXC}\" PrefixList=\"{}\"/>", list.join(" ")),
            None => String::new(),
        };
        let si_algorithm = if signed_info_comments { EXC_C14N_COMMENTS } else { EXC_C14N };
        let ref_algorithm = if reference_comments_transform { EXC_C14N_COMMENTS } else { EXC_C14N };
        let uri = if xpointer { format!("#xpointer(id('{id}'))") } else { format!("#{id}") };
        let comment = if self.rng.percent(40) { "<!-- in SignedInfo -->" } else { "" };

        self.out.push_str(&format!(
            "<{ds}Signature{declaration}>{nl}<{ds}SignedInfo>{nl}{comment}\
             <{ds}CanonicalizationMethod Algorithm=\"{si_algorithm}\">{}</{ds}CanonicalizationMethod>{nl}\
             <{ds}SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>{nl}\
             <{ds}Reference URI=\"{uri}\">{nl}<{ds}Transforms>{nl}\
             <{ds}Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>{nl}\
             <{ds}Transform Algorithm=\"{ref_algorithm}\">{}</{ds}Transform>{nl}</{ds}Transforms>{nl}\
             <{ds}DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>{nl}\
             <{ds}DigestValue></{ds}DigestValue>{nl}</{ds}Reference>{nl}</{ds}SignedInfo>{nl}\
             <{ds}SignatureValue/>{nl}</{ds}Signature>",
            inclusive(&signed_info_prefixes),
            inclusive(&reference_prefixes),
        ));

        Case {
            id: id.to_owned(),
            input: String::new(),
            reference_comments: xpointer && reference_comments_transform,
            reference_prefixes: reference_prefixes.unwrap_or_default(),
            signed_info_comments,
            signed_info_prefixes: signed_info_prefixes.unwrap_or_default(),
        }
    }
}

// ---- xmlsec1 ----------------------------------------------------------------------------

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("sso-scim-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // C14N_XMLSEC_KEEP=1 keeps the generated documents and key for debugging.
        if std::env::var_os("C14N_XMLSEC_KEEP").is_some() {
            eprintln!("kept {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn require_xmlsec1() {
    match Command::new("xmlsec1").arg("--version").output() {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "`xmlsec1 --version` failed ({}): {}; the c14n differential test needs a working xmlsec1 CLI",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(e) => panic!(
            "xmlsec1 is not installed or not on PATH ({e}). The exclusive-c14n differential test needs it: \
             install the `xmlsec1` package (Debian/Ubuntu: apt-get install xmlsec1)"
        ),
    }
}

/// What xmlsec1 produced for one document.
struct Signed {
    document: String,
    pre_digest: Vec<u8>,
    pre_signed: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The bytes between `== {label} - start buffer:\n` and `\n== {label} - end buffer`.
fn buffer(chunk: &[u8], label: &str) -> Option<Vec<u8>> {
    let start_marker = format!("== {label} - start buffer:\n");
    let end_marker = format!("\n== {label} - end buffer");
    let start = find(chunk, start_marker.as_bytes(), 0)? + start_marker.len();
    let end = find(chunk, end_marker.as_bytes(), start)?;
    Some(chunk[start..end].to_vec())
}

/// Sign `files` in one xmlsec1 run. With several files xmlsec1 prints, per file, the signed
/// document (starting with an XML declaration) and then the debug dump of what it digested
/// and signed.
fn xmlsec1_sign(key: &Path, files: &[PathBuf]) -> Vec<Signed> {
    let output = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(key)
        .args(["--id-attr:ID", &format!("{NS_ASSERTION}:Assertion")])
        .args(["--store-references", "--store-signatures"])
        .args(files)
        .output()
        .expect("run xmlsec1");
    assert!(
        output.status.success(),
        "xmlsec1 --sign failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = output.stdout;
    let declaration = b"<?xml version=\"1.0\"?>\n";
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(p) = find(&stdout, declaration, at) {
        starts.push(p);
        at = p + declaration.len();
    }
    assert_eq!(starts.len(), files.len(), "xmlsec1 printed {} documents for {} files", starts.len(), files.len());
    starts.push(stdout.len());
    starts
        .windows(2)
        .map(|w| {
            let chunk = &stdout[w[0]..w[1]];
            let end = find(chunk, b"\n= SIGNATURE CONTEXT", 0).expect("xmlsec1 printed its signature context");
            Signed {
                document: String::from_utf8(chunk[..end].to_vec()).expect("xmlsec1 writes UTF-8"),
                pre_digest: buffer(chunk, "PreDigest data").expect("xmlsec1 printed the digested bytes"),
                pre_signed: buffer(chunk, "PreSigned data").expect("xmlsec1 printed the signed bytes"),
            }
        })
        .collect()
}

// ---- Checks --------------------------------------------------------------------------------

fn c14n(
    node: Node<'_, '_>,
    with_comments: bool,
    prefixes: &[&str],
    exclude: Option<Node<'_, '_>>,
    context: &str,
) -> Vec<u8> {
    let options = C14nOptions { with_comments, inclusive_prefixes: prefixes, exclude: exclude.map(|n| n.id()) };
    let mut out = Vec::new();
    canonicalize(node, &options, &mut out).unwrap_or_else(|e| panic!("{e}\n{context}"));
    out
}

#[track_caller]
fn assert_same(what: &str, ours: &[u8], theirs: &[u8], context: &str) {
    if ours != theirs {
        let at = ours.iter().zip(theirs).position(|(a, b)| a != b).unwrap_or(ours.len().min(theirs.len()));
        panic!(
            "{what}: our c14n differs from xmlsec1's at byte {at}\n  ours:    {:?}\n  xmlsec1: {:?}\n{context}",
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(theirs)
        );
    }
}

fn element<'a, 'i>(parent: Node<'a, 'i>, ns: &str, local: &str) -> Option<Node<'a, 'i>> {
    parent.children().find(|n| n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == local)
}

fn descendant<'a, 'i>(parent: Node<'a, 'i>, ns: &str, local: &str) -> Option<Node<'a, 'i>> {
    parent
        .descendants()
        .find(|n| n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == local)
}

/// The signed element with `ID="id"`, its Signature child and that Signature's SignedInfo.
fn signature_parts<'a, 'i>(doc: &'a Document<'i>, id: &str) -> (Node<'a, 'i>, Node<'a, 'i>, Node<'a, 'i>) {
    let signed = doc.descendants().find(|n| n.attribute("ID") == Some(id)).expect("the signed element");
    let signature = element(signed, NS_DSIG, "Signature").expect("a Signature child");
    let signed_info = element(signature, NS_DSIG, "SignedInfo").expect("SignedInfo");
    (signed, signature, signed_info)
}

fn base64_text(node: Node<'_, '_>) -> Vec<u8> {
    let text: String = node.text().unwrap_or("").chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(text).expect("base64 content")
}

/// How many documents exercised each corner the generator exists for.
#[derive(Default, Debug)]
struct Coverage {
    wrapped: usize,
    reference_prefix_lists: usize,
    signed_info_prefix_lists: usize,
    reference_comments_kept: usize,
    reference_comments_dropped: usize,
    signed_info_comments: usize,
    empty_default_rendered: usize,
    carriage_returns: usize,
    signed_info_inherits_dsig: usize,
}

impl Coverage {
    /// Count what `case` exercised: `ours` and `ours_info` are our canonical forms of its
    /// reference and SignedInfo, `has_comment` whether the reference held a comment.
    fn count(&mut self, case: &Case, ours: &[u8], ours_info: &[u8], has_comment: bool) {
        self.wrapped += usize::from(case.input.starts_with("<samlp:Response"));
        self.reference_prefix_lists += usize::from(!case.reference_prefixes.is_empty());
        self.signed_info_prefix_lists += usize::from(!case.signed_info_prefixes.is_empty());
        self.reference_comments_kept += usize::from(case.reference_comments && find(ours, b"<!--", 0).is_some());
        self.reference_comments_dropped += usize::from(!case.reference_comments && has_comment);
        self.signed_info_comments += usize::from(find(ours_info, b"<!--", 0).is_some());
        self.empty_default_rendered += usize::from(find(ours, b"xmlns=\"\"", 0).is_some());
        self.carriage_returns += usize::from(find(ours, b"&#xD;", 0).is_some());
        self.signed_info_inherits_dsig +=
            usize::from(!case.input.contains("<ds:Signature xmlns:ds") && case.input.contains("<ds:Signature"));
    }

    /// The generator must keep producing the cases this test exists for.
    fn assert_enough(&self) {
        for (what, count) in [
            ("wrapped in a Response", self.wrapped),
            ("reference PrefixList", self.reference_prefix_lists),
            ("SignedInfo PrefixList", self.signed_info_prefix_lists),
            ("comments kept in the reference", self.reference_comments_kept),
            ("comments dropped from the reference", self.reference_comments_dropped),
            ("comments kept in SignedInfo", self.signed_info_comments),
            ("xmlns=\"\" rendered", self.empty_default_rendered),
            ("&#xD; rendered", self.carriage_returns),
            ("SignedInfo inheriting the ds prefix", self.signed_info_inherits_dsig),
        ] {
            assert!(count >= 10, "only {count} documents covered {what}: {self:?}");
        }
    }
}

/// A fresh RSA key, written as PKCS#8 PEM into `dir` for xmlsec1, and its public half.
fn write_key(dir: &Path) -> (PathBuf, UnparsedPublicKey<Vec<u8>>) {
    let key_pair = KeyPair::generate(KeySize::Rsa2048).expect("generate an RSA key");
    let pkcs8 = key_pair.as_der().expect("PKCS#8 encoding");
    let body = STANDARD.encode(pkcs8.as_ref());
    let lines: Vec<&str> =
        body.as_bytes().chunks(64).map(|line| std::str::from_utf8(line).expect("base64 is ASCII")).collect();
    let key_path = dir.join("key.pem");
    std::fs::write(
        &key_path,
        format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n")),
    )
    .expect("write the key");
    (key_path, UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key_pair.public_key().as_ref().to_vec()))
}

/// Every case's document signed by xmlsec1, in order.
fn sign_all(dir: &Path, key_path: &Path, cases: &[Case]) -> Vec<Signed> {
    let files: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let path = dir.join(format!("doc-{i:04}.xml"));
            std::fs::write(&path, &case.input).expect("write a document");
            path
        })
        .collect();
    // Batches run in parallel: xmlsec1 start-up, not signing, dominates a batch.
    let batches: Vec<Vec<Signed>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files.chunks(BATCH).map(|chunk| scope.spawn(|| xmlsec1_sign(key_path, chunk))).collect();
        handles.into_iter().map(|h| h.join().expect("an xmlsec1 batch")).collect()
    });
    let signed: Vec<Signed> = batches.into_iter().flatten().collect();
    assert_eq!(signed.len(), cases.len());
    signed
}

/// Our canonical forms of one document equal the bytes xmlsec1 digested and signed, and its
/// DigestValue and SignatureValue verify over them; what it exercised is counted.
fn check_document(
    case: &Case,
    signed: &Signed,
    key: &UnparsedPublicKey<Vec<u8>>,
    context: &str,
    coverage: &mut Coverage,
) {
    let (reference_prefixes, signed_info_prefixes) = (&case.reference_prefixes, &case.signed_info_prefixes);

    // The document as we wrote it: the Signature's content differs from the signed one,
    // but the Assertion minus its Signature is the same node-set.
    let input = parse(&case.input).unwrap_or_else(|e| panic!("{e}\n{context}"));
    let (assertion, signature, _) = signature_parts(&input, &case.id);
    let ours = c14n(assertion, case.reference_comments, reference_prefixes, Some(signature), context);
    assert_same("reference (our input document)", &ours, &signed.pre_digest, context);

    // The document as xmlsec1 wrote it back, as a verifier would receive it.
    let output = parse(&signed.document).unwrap_or_else(|e| panic!("{e}\n{context}"));
    let (assertion, signature, signed_info) = signature_parts(&output, &case.id);
    let ours = c14n(assertion, case.reference_comments, reference_prefixes, Some(signature), context);
    assert_same("reference (xmlsec1's output document)", &ours, &signed.pre_digest, context);
    let digest_value = base64_text(descendant(signed_info, NS_DSIG, "DigestValue").expect("DigestValue"));
    assert_eq!(digest(&SHA256, &ours).as_ref(), digest_value.as_slice(), "DigestValue of {context}");

    let ours_info = c14n(signed_info, case.signed_info_comments, signed_info_prefixes, None, context);
    assert_same("SignedInfo", &ours_info, &signed.pre_signed, context);
    let signature_value = base64_text(element(signature, NS_DSIG, "SignatureValue").expect("SignatureValue"));
    key.verify(&ours_info, &signature_value)
        .unwrap_or_else(|_| panic!("SignatureValue does not verify over our canonical SignedInfo: {context}"));

    let has_comment =
        assertion.descendants().any(|n| n.is_comment() && !n.ancestors().any(|a| a.id() == signature.id()));
    coverage.count(case, &ours, &ours_info, has_comment);
}

#[test]
fn exclusive_c14n_matches_xmlsec1_on_random_signed_documents() {
    require_xmlsec1();
    let started = Instant::now();
    let dir = TempDir::new("c14n-xmlsec");
    let (key_path, public_key) = write_key(&dir.0);

    let seed = setting("C14N_XMLSEC_SEED", SEED);
    let documents = usize::try_from(setting("C14N_XMLSEC_DOCUMENTS", DOCUMENTS as u64)).expect("a document count");
    assert!(seed != 0, "xorshift needs a non-zero seed");
    let mut generator = Generator { rng: Rng(seed), scope: Vec::new(), out: String::new() };
    let cases: Vec<Case> = (0..documents).map(|i| generator.document(i)).collect();
    let signed = sign_all(&dir.0, &key_path, &cases);

    let mut coverage = Coverage::default();
    for (i, (case, signed)) in cases.iter().zip(&signed).enumerate() {
        let context = format!("document {i} (seed {seed:#x}):\n{}", case.input);
        check_document(case, signed, &public_key, &context, &mut coverage);
    }
    println!("{} documents checked against xmlsec1 in {:?}: {coverage:?}", cases.len(), started.elapsed());
    coverage.assert_enough();
}

// ---- Genuine Entra ID assertions -------------------------------------------------------------

fn entra_fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/saml/entra").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the Entra fixture {} ({e}); the shared fixtures must be checked out next to the project",
            path.display()
        )
    })
}

/// The PrefixList under a c14n method or transform, if any.
fn prefix_list<'a>(method: Node<'a, '_>) -> Vec<&'a str> {
    element(method, NS_EXC, "InclusiveNamespaces")
        .and_then(|n| n.attribute("PrefixList"))
        .map(|list| list.split_ascii_whitespace().collect())
        .unwrap_or_default()
}

/// Verify the enveloped signature on the Assertion of `xml` with our c14n and the
/// certificate embedded in it; returns the canonical Assertion.
fn verify_entra(xml: &str) -> Result<Vec<u8>, String> {
    let doc = parse(xml).map_err(|e| e.to_string())?;
    let assertion = descendant(doc.root(), NS_ASSERTION, "Assertion").ok_or("no Assertion")?;
    let id = assertion.attribute("ID").ok_or("no ID")?;
    let (assertion, signature, signed_info) = signature_parts(&doc, id);

    let method = element(signed_info, NS_DSIG, "CanonicalizationMethod").ok_or("no CanonicalizationMethod")?;
    assert_eq!(method.attribute("Algorithm"), Some(EXC_C14N));
    let reference = element(signed_info, NS_DSIG, "Reference").ok_or("no Reference")?;
    assert_eq!(reference.attribute("URI"), Some(format!("#{id}").as_str()));
    let transforms: Vec<Node<'_, '_>> =
        element(reference, NS_DSIG, "Transforms").ok_or("no Transforms")?.children().filter(Node::is_element).collect();
    let algorithms: Vec<&str> = transforms.iter().filter_map(|t| t.attribute("Algorithm")).collect();
    assert_eq!(algorithms, ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", EXC_C14N]);

    let canonical = c14n(assertion, false, &prefix_list(transforms[1]), Some(signature), "Entra assertion");
    let digest_value = element(reference, NS_DSIG, "DigestValue").and_then(|n| n.text()).ok_or("no DigestValue")?;
    let ours = STANDARD.encode(digest(&SHA256, &canonical));
    if ours != digest_value {
        return Err(format!("digest {ours} != DigestValue {digest_value}"));
    }

    let certificate = descendant(signature, NS_DSIG, "X509Certificate").ok_or("no X509Certificate")?;
    let certificate = Certificate::from_der(&base64_text(certificate)).map_err(|e| e.to_string())?;
    let spki = certificate.tbs_certificate.subject_public_key_info.to_der().map_err(|e| e.to_string())?;
    let signed_bytes = c14n(signed_info, false, &prefix_list(method), None, "Entra SignedInfo");
    let signature_value = base64_text(element(signature, NS_DSIG, "SignatureValue").ok_or("no SignatureValue")?);
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki)
        .verify(&signed_bytes, &signature_value)
        .map_err(|_| "SignatureValue does not verify".to_owned())?;
    Ok(canonical)
}

#[test]
fn genuine_entra_assertions_verify_with_our_c14n() {
    for name in [
        "aad_Saml2TokenValidSigned.assertion.xml",
        "aad_Saml2Valid.assertion.xml",
        "aad_WresultSaml2Valid.assertion.xml",
        "entra_default_shape_wrapped_response.xml",
    ] {
        let xml = entra_fixture(name);
        let canonical = verify_entra(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let canonical = String::from_utf8(canonical).expect("UTF-8");
        // The canonical Assertion declares only what it uses: the unused `xmlns:t` of the
        // WS-Trust wrapper and everything of the Response are gone.
        assert!(canonical.starts_with(&format!("<Assertion xmlns=\"{NS_ASSERTION}\" ID=")), "{name}: {canonical}");
        assert!(!canonical.contains("xmlns:t=") && !canonical.contains("Signature"), "{name}: {canonical}");

        // A one-word change in signed content breaks the digest.
        let tampered = xml.replacen(">User1<", ">Admin<", 1);
        assert_ne!(tampered, xml, "{name} has the display name User1");
        let err = verify_entra(&tampered).expect_err("tampered content must not verify");
        assert!(err.starts_with("digest "), "{name}: {err}");
    }
    // The two Saml2Valid variants differ only by the unused xmlns:t: one canonical form.
    let plain = verify_entra(&entra_fixture("aad_Saml2Valid.assertion.xml")).unwrap();
    let wresult = verify_entra(&entra_fixture("aad_WresultSaml2Valid.assertion.xml")).unwrap();
    assert_eq!(plain, wresult);
}

/// Our parser, with limits above any generated document's.
fn parse(xml: &str) -> Result<Document<'_>, sso_scim_core::saml::SamlError> {
    let limits = XmlLimits { max_depth: 100_000, max_nodes: 10_000_000, ..XmlLimits::default() };
    parse_document(xml, &limits)
}
