//! Small helpers over `roxmltree` nodes.

use roxmltree::Node;

pub(super) fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.has_tag_name(name))
}

pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

pub(super) fn has_child(node: Node, name: &str) -> bool {
    child(node, name).is_some()
}

pub(super) fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name)?.text().map(str::trim)
}

/// A positive finite number (divisions may be decimal in MusicXML).
pub(super) fn positive(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|d| d.is_finite() && *d > 0.0)
}
