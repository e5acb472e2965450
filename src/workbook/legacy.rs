//! Placeholder until the legacy module lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    Tcvn3,
    Tcvn3Upper,
    Vni,
}
pub fn repair(_text: &str, _font: Option<&str>) -> Option<(String, Legacy)> {
    None
}
