//! Closed lists of codes (statuses, levels, reasons): one macro gives each its stored
//! name, its parser and the list of all values, so pages, the API and Fluent keys
//! (`<prefix>-<code>`) agree.

/// Declare a closed list of codes: `code_enum!(/// doc
/// Name { /// doc
/// Variant = "stored_name", … })`.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $code)] $variant),*
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),*
                }
            }

            /// From the stored or wire name.
            pub fn from_code(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s.trim())
            }

            /// Parse input for `field`.
            pub fn parse(field: &str, s: &str) -> Result<Self, $crate::validate::Invalid> {
                Self::from_code(s).ok_or_else(|| $crate::validate::Invalid::new(field, "Choose one of the options."))
            }

            /// Parse optional input: empty is `None`.
            pub fn parse_optional(field: &str, s: &str) -> Result<Option<Self>, $crate::validate::Invalid> {
                if s.trim().is_empty() { Ok(None) } else { Self::parse(field, s).map(Some) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use code_enum;
