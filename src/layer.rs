//! A layer of values: one input file or flag, already read, with what kind of input it is.
//! Loading hands layers on; merging, `explain` and the override warnings read them.

use crate::request::Set;
use crate::value::Node;

/// What kind of input a layer is, lowest precedence first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerKind {
    /// The catalog's defaults for the channel.
    Catalog,
    /// The operator's `kubezero.yaml`.
    Cluster,
    /// CloudBender's exported outputs.
    CloudBender,
    /// An extra values file.
    ValuesFile,
    /// A `--set`.
    Set,
}

/// One layer of values.
#[derive(Clone, Debug)]
pub struct Layer {
    /// What it is.
    pub kind: LayerKind,
    /// A short description for `explain` (file name, or a flag).
    pub name: String,
    /// Extra facts for `explain` (a StoreOutputs file's stack and time).
    pub note: Option<String>,
    /// The values, always a map: for a flag, what it sets on its own.
    pub node: Node,
    /// A flag acts on the values before it (`l[1]=x` changes one item); this is the flag.
    pub set: Option<Set>,
}
