//! Record-at-a-time reading of list XML files (UN consolidated list, EU FSF).
//!
//! Both formats are a root element holding thousands of small, self-contained
//! records. Streaming events straight into an `Entity` would scatter the
//! element-order bookkeeping over every parser, so instead each record is
//! collected into a small [`Node`] tree (a few KB) and handed over whole; the
//! file itself is never held in memory. Every node keeps its byte offset so
//! warnings and errors can point at `Location::Xml { path, byte }`.

use crate::{Location, SourceError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One element of a record: local name, attributes, concatenated text and children.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
    /// Byte offset of the start tag in the file.
    pub byte: u64,
}

impl Node {
    /// The trimmed value of an attribute, `None` when absent or blank.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The trimmed text content.
    pub fn value(&self) -> &str {
        self.text.trim()
    }

    /// Direct children with this name.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first direct child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child with this name, `None` when absent or blank.
    pub fn child_value(&self, name: &str) -> Option<&str> {
        self.child(name).map(Node::value).filter(|v| !v.is_empty())
    }

    /// Every element with this name below this one, in document order.
    pub fn descendants<'a>(&'a self, name: &'a str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }

    /// Child paths with a 1-based index for repeated names, e.g. `INDIVIDUAL_ALIAS[3]`.
    pub fn indexed_children(&self) -> impl Iterator<Item = (String, &Node)> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let totals = self
            .children
            .iter()
            .fold(HashMap::new(), |mut m: HashMap<&str, usize>, c| {
                *m.entry(c.name.as_str()).or_default() += 1;
                m
            });
        self.children.iter().map(move |c| {
            let n = seen.entry(c.name.as_str()).or_default();
            *n += 1;
            let seg = if totals.get(c.name.as_str()).copied().unwrap_or(0) > 1 {
                format!("{}[{}]", c.name, n)
            } else {
                c.name.clone()
            };
            (seg, c)
        })
    }

    /// All text of the subtree, for elements a parser does not know: kept as a remark.
    pub fn flat_text(&self) -> String {
        let mut parts = Vec::new();
        self.collect_text(&mut parts);
        parts.join("; ")
    }

    fn collect_text(&self, out: &mut Vec<String>) {
        for (k, v) in &self.attrs {
            if !v.trim().is_empty() {
                out.push(format!("{k}={}", v.trim()));
            }
        }
        if !self.value().is_empty() {
            out.push(self.value().to_string());
        }
        for c in &self.children {
            c.collect_text(out);
        }
    }
}

/// What the reader yields.
#[derive(Debug)]
pub(crate) enum Item {
    /// A record element (e.g. `INDIVIDUAL`) with its full XML path.
    Record { path: String, node: Node },
    /// An element outside any record that is neither the root nor a known
    /// container: the caller warns about it rather than dropping it.
    Stray { path: String, node: Node },
}

struct Frame {
    name: String,
    /// How many children of each name were seen, to index record paths.
    child_counts: HashMap<String, usize>,
}

/// Streams records out of a list XML file.
pub(crate) struct XmlRecords<R: BufRead> {
    reader: Reader<R>,
    file: PathBuf,
    buf: Vec<u8>,
    outer: Vec<Frame>,
    root_name: &'static str,
    containers: &'static [&'static str],
    records: &'static [&'static str],
    root: Option<Node>,
    done: bool,
}

impl<R: BufRead> XmlRecords<R> {
    /// `root_name` is the root element the format requires (any other is an
    /// error); `containers` are the elements between the root and the records
    /// (`INDIVIDUALS`, `ENTITIES`); `records` the record element names.
    pub fn new(
        source: R,
        file: &Path,
        root_name: &'static str,
        containers: &'static [&'static str],
        records: &'static [&'static str],
    ) -> XmlRecords<R> {
        let mut reader = Reader::from_reader(source);
        // Text is trimmed per value by the parsers; end names are checked so a
        // mangled file fails loudly instead of mis-nesting records.
        reader.config_mut().check_end_names = true;
        XmlRecords {
            reader,
            file: file.to_path_buf(),
            buf: Vec::with_capacity(4096),
            outer: Vec::new(),
            root_name,
            containers,
            records,
            root: None,
            done: false,
        }
    }

    /// The root element's name and attributes, once it has been read.
    pub fn root(&self) -> Option<&Node> {
        self.root.as_ref()
    }

    fn set_root(&mut self, node: Node) -> Result<(), SourceError> {
        if node.name != self.root_name {
            return Err(self.error(
                format!("/{}", node.name),
                node.byte,
                format!(
                    "unexpected root element <{}>, expected <{}>",
                    node.name, self.root_name
                ),
            ));
        }
        self.root = Some(node);
        Ok(())
    }

    fn outer_path(&self) -> String {
        let mut p = String::new();
        for f in &self.outer {
            p.push('/');
            p.push_str(&f.name);
        }
        p
    }

    fn error(&self, path: String, byte: u64, message: impl Into<String>) -> SourceError {
        error_at(&self.file, path, byte, message)
    }

    fn xml_error(&self, path: String, err: quick_xml::Error) -> SourceError {
        let byte = self.reader.error_position();
        self.error(path, byte, describe(&err))
    }

    /// The next record or stray element; `None` at the end of a complete document.
    pub fn next_item(&mut self) -> Result<Option<Item>, SourceError> {
        if self.done {
            return Ok(None);
        }
        loop {
            let byte = self.reader.buffer_position();
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e.into_owned(),
                Err(e) => return Err(self.xml_error(self.outer_path(), e)),
            };
            match event {
                Event::Start(start) if self.outer.is_empty() => {
                    let node =
                        element(&start, byte).map_err(|e| self.xml_error(String::new(), e))?;
                    self.outer.push(Frame {
                        name: node.name.clone(),
                        child_counts: HashMap::new(),
                    });
                    self.set_root(node)?;
                }
                Event::Empty(start) if self.outer.is_empty() => {
                    // A root with no content: a valid, empty list.
                    let node =
                        element(&start, byte).map_err(|e| self.xml_error(String::new(), e))?;
                    self.set_root(node)?;
                    self.done = true;
                    return Ok(None);
                }
                Event::Start(start) => {
                    let node =
                        element(&start, byte).map_err(|e| self.xml_error(self.outer_path(), e))?;
                    let seg = self.index_segment(&node.name);
                    if self.records.contains(&node.name.as_str()) {
                        let path = format!("{}/{seg}", self.outer_path());
                        let node = self.collect(node, &path)?;
                        return Ok(Some(Item::Record { path, node }));
                    }
                    if self.containers.contains(&node.name.as_str()) {
                        self.outer.push(Frame {
                            name: node.name,
                            child_counts: HashMap::new(),
                        });
                        continue;
                    }
                    let path = format!("{}/{seg}", self.outer_path());
                    let node = self.collect(node, &path)?;
                    return Ok(Some(Item::Stray { path, node }));
                }
                Event::Empty(start) => {
                    let node =
                        element(&start, byte).map_err(|e| self.xml_error(self.outer_path(), e))?;
                    let seg = self.index_segment(&node.name);
                    let path = format!("{}/{seg}", self.outer_path());
                    if self.records.contains(&node.name.as_str()) {
                        return Ok(Some(Item::Record { path, node }));
                    }
                    if self.containers.contains(&node.name.as_str()) {
                        continue;
                    }
                    return Ok(Some(Item::Stray { path, node }));
                }
                Event::End(_) => {
                    self.outer.pop();
                    if self.outer.is_empty() {
                        self.done = true;
                        return Ok(None);
                    }
                }
                Event::Text(t) => {
                    if !t.trim().is_empty() {
                        let path = format!("{}/text()", self.outer_path());
                        let node = Node {
                            name: "text()".into(),
                            text: t.xml10_content().into_owned(),
                            byte,
                            ..Node::default()
                        };
                        return Ok(Some(Item::Stray { path, node }));
                    }
                }
                Event::CData(t) => {
                    if !t.trim().is_empty() {
                        let path = format!("{}/text()", self.outer_path());
                        let node = Node {
                            name: "text()".into(),
                            text: t.into_inner().into_owned(),
                            byte,
                            ..Node::default()
                        };
                        return Ok(Some(Item::Stray { path, node }));
                    }
                }
                Event::Eof => {
                    self.done = true;
                    if self.root.is_none() {
                        return Err(self.error(
                            String::new(),
                            byte,
                            "no XML root element: empty or not XML",
                        ));
                    }
                    if !self.outer.is_empty() {
                        return Err(self.error(
                            self.outer_path(),
                            byte,
                            format!(
                                "truncated XML: the file ends inside <{}> ({} element(s) still open)",
                                self.outer.last().map(|f| f.name.as_str()).unwrap_or(""),
                                self.outer.len()
                            ),
                        ));
                    }
                    return Ok(None);
                }
                Event::GeneralRef(_)
                | Event::Decl(_)
                | Event::Comment(_)
                | Event::PI(_)
                | Event::DocType(_) => {}
            }
        }
    }

    fn index_segment(&mut self, name: &str) -> String {
        let Some(top) = self.outer.last_mut() else {
            return name.to_string();
        };
        let n = top.child_counts.entry(name.to_string()).or_default();
        *n += 1;
        format!("{name}[{n}]")
    }

    /// Hand every record to `on_record` (with its XML path). An element
    /// outside any record is not dropped silently: it becomes a warning
    /// naming `record_kind`, with its text.
    pub fn for_each_record(
        &mut self,
        report: &mut crate::ParseReport,
        record_kind: &str,
        mut on_record: impl FnMut(&str, &Node, &mut crate::ParseReport) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        while let Some(item) = self.next_item()? {
            match item {
                Item::Record { path, node } => on_record(&path, &node, report)?,
                Item::Stray { path, node } => report.warn(crate::Warning::new(
                    &self.file,
                    Location::Xml {
                        path,
                        byte: node.byte,
                    },
                    format!(
                        "unknown element outside any {record_kind}, not imported: {}",
                        node.flat_text()
                    ),
                )),
            }
        }
        Ok(())
    }

    /// Read the rest of an element whose start tag was just consumed.
    fn collect(&mut self, start: Node, path: &str) -> Result<Node, SourceError> {
        collect_subtree(
            &mut self.reader,
            &mut self.buf,
            &self.file,
            start,
            path,
            self.outer.len(),
        )
    }
}

/// Read the rest of an element whose start tag was just consumed from
/// `reader`, as a tree. `path` is the element's XML path and `outer_depth` how
/// many elements enclose it (for the truncation message).
pub(crate) fn collect_subtree<R: BufRead>(
    reader: &mut Reader<R>,
    buf: &mut Vec<u8>,
    file: &Path,
    start: Node,
    path: &str,
    outer_depth: usize,
) -> Result<Node, SourceError> {
    let mut stack = vec![start];
    let open_path = |stack: &[Node]| {
        let mut p = path.to_string();
        for n in stack.iter().skip(1) {
            p.push('/');
            p.push_str(&n.name);
        }
        p
    };
    loop {
        let byte = reader.buffer_position();
        buf.clear();
        let event = match reader.read_event_into(buf) {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position();
                return Err(error_at(file, open_path(&stack), at, describe(&e)));
            }
        };
        match event {
            Event::Start(s) => {
                let node = element(&s, byte).map_err(|e| {
                    SourceError::new(
                        file,
                        Location::Xml {
                            path: open_path(&stack),
                            byte,
                        },
                        format!("malformed XML: {e}"),
                    )
                })?;
                stack.push(node);
            }
            Event::Empty(s) => {
                let node = element(&s, byte).map_err(|e| {
                    SourceError::new(
                        file,
                        Location::Xml {
                            path: open_path(&stack),
                            byte,
                        },
                        format!("malformed XML: {e}"),
                    )
                })?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(node);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                        .map(str::to_string)
                        // An undeclared entity is kept as written rather than lost.
                        .unwrap_or_else(|| format!("&{};", &*r)),
                    Err(e) => {
                        return Err(error_at(
                            file,
                            open_path(&stack),
                            byte,
                            format!("malformed XML: {e}"),
                        ))
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(error_at(file, path.to_string(), byte, "unbalanced end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Eof => {
                let open = open_path(&stack);
                let innermost = stack.last().map(|n| n.name.clone()).unwrap_or_default();
                return Err(error_at(
                    file,
                    open,
                    byte,
                    format!(
                        "truncated XML: the file ends inside <{innermost}> ({} element(s) still open)",
                        stack.len() + outer_depth
                    ),
                ));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

/// quick-xml reports a file cut mid-tag as an "unclosed" syntax error; say
/// plainly that the file is truncated, since that is the usual cause.
fn describe(err: &quick_xml::Error) -> String {
    use quick_xml::errors::SyntaxError;
    match err {
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => format!("malformed XML: {err}"),
        quick_xml::Error::Syntax(_) => {
            format!("truncated XML (the file ends inside markup): {err}")
        }
        _ => format!("malformed XML: {err}"),
    }
}

fn error_at(file: &Path, path: String, byte: u64, message: impl Into<String>) -> SourceError {
    SourceError::new(file, Location::Xml { path, byte }, message)
}

/// A node for a start tag: local name (namespace prefix dropped) and attributes.
pub(crate) fn element(start: &BytesStart<'_>, byte: u64) -> Result<Node, quick_xml::Error> {
    let name = start.local_name().as_ref().to_string();
    let mut attrs = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(quick_xml::Error::InvalidAttr)?;
        let key = a.key.local_name().as_ref().to_string();
        if a.key.as_ref() == "xmlns" || a.key.as_ref().starts_with("xmlns:") {
            continue;
        }
        let value = a.normalized_value(XmlVersion::Implicit1_0)?.into_owned();
        attrs.push((key, value));
    }
    Ok(Node {
        name,
        attrs,
        byte,
        ..Node::default()
    })
}
